using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Harness.ThinSimulation;

/// <summary>
/// A deterministic, event-driven simulation of one thin disk under <see cref="ThinVolumeMonitor"/>'s
/// rules: the same <see cref="ThinVolumeTracker"/> and <see cref="ExtensionPolicy"/>, driven by
/// simulated time instead of a clock and a fake SPM that answers after a drawn latency. The
/// events are the ones the monitor's loop wakes on: a sample tick (every SampleInterval after
/// its last look), the armed threshold crossed, a write refused (the guest pauses; it resumes
/// when the extension is mapped), and an extension completing. As in the monitor, the loop does
/// not look at the volume while its one request is out.
/// <para>Used by the tests (a steady writer in predictive mode never pauses where VDSM mode
/// does) and the benchmark (the highest rate each mode sustains without a pause).</para>
/// </summary>
public static class ThinWriteSimulator
{
    private const int EventLimit = 10_000_000;

    public static ThinSimulationResult Run(ThinSimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var run = new SimulatedRun(settings);
        return run.Execute();
    }

    /// <summary>
    /// The highest write rate (bytes/s) in [<paramref name="low"/>, <paramref name="high"/>] with no
    /// pause, by bisection to <paramref name="precision"/> (relative); <paramref name="high"/> itself
    /// when it does not pause (the answer is "at least"), 0 when even <paramref name="low"/> pauses.
    /// </summary>
    public static double FindHighestRate(ThinSimulationSettings settings, double low, double high, double precision = 0.01)
    {
        ArgumentNullException.ThrowIfNull(settings);
        bool Clean(double rate) => Run(settings with { RateBytesPerSecond = rate }).Pauses == 0;
        if (Clean(high))
        {
            return high;
        }

        if (!Clean(low))
        {
            return 0;
        }

        while (high / low > 1 + precision)
        {
            double middle = Math.Sqrt(low * high);
            if (Clean(middle))
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>One run's state; times in seconds since prepare.</summary>
    private sealed class SimulatedRun
    {
        private readonly ThinSimulationSettings _s;
        private readonly ExtensionPolicy _policy;
        private readonly ThinVolumeTracker _tracker;
        private readonly Func<TimeSpan> _latency;
        private readonly long _maximum;
        private readonly double _interval;
        private readonly WriterRamp _ramp;
        private double _t;
        private double _active;
        private double _written;
        private double _limit = double.NaN;
        private long _current;
        private long _armed = -1;
        private double _completesAt = double.PositiveInfinity;
        private double _nextLook;
        private double _resumeAt = double.PositiveInfinity;
        private bool _paused;
        private bool _lookNow = true;
        private int _pauses;
        private double _pausedSince;
        private double _pausedTotal;

        public SimulatedRun(ThinSimulationSettings settings)
        {
            _s = settings;
            _policy = new ExtensionPolicy(settings.Policy);
            _tracker = new ThinVolumeTracker(_policy, settings.Monitor);
            _latency = settings.Latency.Start();
            _maximum = settings.Policy.MaximumSize(settings.CapacityBytes);
            _current = settings.InitialSizeBytes;
            _interval = settings.Monitor.SampleInterval.TotalSeconds;
            _ramp = new WriterRamp(settings.RateBytesPerSecond, settings.RampUp);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.InitialSizeBytes, _maximum);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.Total, _maximum);
        }

        private bool Writing => !_paused && _t >= _s.WriterStart.TotalSeconds && _written < _s.Total;

        public ThinSimulationResult Execute()
        {
            for (int events = 0; events < EventLimit; events++)
            {
                if (_lookNow)
                {
                    _lookNow = false;
                    Look();
                }

                if (_written >= _s.Total)
                {
                    return Result(stuck: false);
                }

                if (_paused && !_tracker.InFlight && _current >= _maximum)
                {
                    return Result(stuck: true);
                }

                double next = NextEventTime();
                if (double.IsPositiveInfinity(next))
                {
                    return Result(stuck: true);
                }

                if (Writing)
                {
                    _active += next - _t;
                    _written = Math.Min(_s.Total, Position(_active));
                    if (Math.Abs(_written - _limit) < 1.0)
                    {
                        // Land exactly on the offset the event was computed for (sqrt rounding).
                        _written = _limit;
                    }
                }

                _t = next;
                Handle();
            }

            return Result(stuck: true);
        }

        private double NextEventTime()
        {
            double next = Math.Min(_completesAt, _resumeAt);
            if (!_tracker.InFlight)
            {
                next = Math.Min(next, _nextLook);
            }

            double start = _s.WriterStart.TotalSeconds;
            if (!_paused && _t < start)
            {
                return Math.Min(next, start);
            }

            _limit = double.NaN;
            if (Writing)
            {
                double limit = Math.Min(_current, _s.Total);
                // qemu's threshold event fires on the first write that ends past it.
                if (_armed >= 0 && _armed + 1 > _written && _armed + 1 < limit)
                {
                    limit = _armed + 1;
                }

                double reach = _t + (ActiveTimeAt(limit) - _active);
                if (reach < next)
                {
                    next = reach;
                    _limit = limit;
                }
            }

            return next;
        }

        /// <summary>Everything due at <see cref="_t"/>, in the order the monitor would see it.</summary>
        private void Handle()
        {
            const double Epsilon = 1e-9;
            if (_completesAt <= _t + Epsilon)
            {
                Complete();
            }

            if (_resumeAt <= _t + Epsilon)
            {
                _resumeAt = double.PositiveInfinity;
                _paused = false;
                _pausedTotal += _t - _pausedSince;
            }

            if (Writing && _written >= _current - 0.5 && _written < _s.Total)
            {
                // The next write reaches past the mapped size: ENOSPC, the VM pauses and waits for room.
                _paused = true;
                _pauses++;
                _pausedSince = _t;
                _tracker.NeedRoom((long)_written + _s.WriteSizeBytes);
                _lookNow = true;
            }

            if (_armed >= 0 && _written >= _armed + 0.5)
            {
                _armed = -1;
                _lookNow = true;
            }

            if (!_tracker.InFlight && _nextLook <= _t + Epsilon)
            {
                _lookNow = true;
            }
        }

        private void Complete()
        {
            _current = Math.Max(_current, Math.Min(_tracker.RequestedSize, _maximum));
            _completesAt = double.PositiveInfinity;
            _tracker.Completed(TimeSpan.FromSeconds(_t), _current);
            _armed = -1;
            if (_paused && _current >= (long)_written + _s.WriteSizeBytes && double.IsPositiveInfinity(_resumeAt))
            {
                _resumeAt = _t + _s.ResumeDelay.TotalSeconds;
            }

            _lookNow = true;
        }

        /// <summary>The monitor loop's StepAsync, on simulated time.</summary>
        private void Look()
        {
            if (_tracker.InFlight)
            {
                return;
            }

            var now = TimeSpan.FromSeconds(_t);
            long written = (long)_written;
            _tracker.Observe(now, written);
            var decision = _tracker.Decide(_current, _maximum, written);
            _nextLook = _t + _interval;
            if (decision.Action == ExtensionAction.Arm)
            {
                _armed = decision.Threshold;
            }
            else if (decision.Action == ExtensionAction.Extend && _tracker.MayRequest(now))
            {
                _tracker.Started(now, decision.NewSize);
                _completesAt = _t + _latency().TotalSeconds;
            }
        }

        private double Position(double active) => _ramp.Position(active);

        private double ActiveTimeAt(double position) => _ramp.ActiveTimeAt(position);

        private ThinSimulationResult Result(bool stuck)
        {
            if (_paused)
            {
                _pausedTotal += _t - _pausedSince;
            }

            return new ThinSimulationResult(_pauses, TimeSpan.FromSeconds(_pausedTotal), _tracker.Requests, _current, (long)_written, TimeSpan.FromSeconds(_t), stuck);
        }
    }
}
