using Sanpool.Core;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// One volume under <see cref="ThinVolumeMonitor"/>: its tracker, the wake-up signal its
/// events set, the callers waiting for room, and its loop. All fields behind <see cref="Gate"/>.
/// </summary>
internal sealed class MonitoredVolume
{
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private readonly WakeSignal _wake = new();

    public MonitoredVolume(IThinVolume volume, ThinVolumeTracker tracker)
    {
        Volume = volume;
        Tracker = tracker;
    }

    public IThinVolume Volume { get; }

    public ThinVolumeTracker Tracker { get; }

    public Lock Gate { get; } = new();

    public CancellationTokenSource Stopping { get; } = new();

    public Task Loop { get; set; } = Task.CompletedTask;

    /// <summary>The threshold armed on the volume now, or -1 when none is (never armed, or it fired).</summary>
    public long Armed { get; set; } = -1;

    public bool LoggedAtMaximum { get; set; }

    /// <summary>Wakes the loop (from a writer's thread, an event or a waiter): it looks at the volume again at once.</summary>
    public void Wake() => _wake.Set();

    /// <summary>Waits for <see cref="Wake"/> or <paramref name="timeout"/>, whichever comes first; a wake while the loop works is kept for the next wait.</summary>
    public Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, time, cancellationToken);

    public Task AddWaiter(long offset, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Gate)
        {
            _waiters.Add((offset, done));
            Tracker.NeedRoom(offset);
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                lock (Gate)
                {
                    _waiters.RemoveAll(w => w.Done == done);
                }

                done.TrySetCanceled(cancellationToken);
            });
            _ = done.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        Wake();
        return done.Task;
    }

    /// <summary>Completes the waiters the volume now has room for; fails those past its maximum.</summary>
    public void SettleWaiters(long currentSize, long maximumSize)
    {
        List<(long Offset, TaskCompletionSource Done)> settled;
        lock (Gate)
        {
            settled = _waiters.Where(w => w.Offset <= currentSize || w.Offset > maximumSize).ToList();
            _waiters.RemoveAll(w => w.Offset <= currentSize || w.Offset > maximumSize);
        }

        foreach (var (offset, done) in settled)
        {
            if (offset <= currentSize)
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(new SanpoolException(ThinErrors.BeyondMaximum,
                    $"volume {Volume.Volume}: offset {offset} is past its maximum size {maximumSize}"));
            }
        }
    }

    /// <summary>Fails every waiter: the volume is no longer monitored.</summary>
    public void FailWaiters()
    {
        List<(long Offset, TaskCompletionSource Done)> all;
        lock (Gate)
        {
            all = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var (_, done) in all)
        {
            done.TrySetException(new SanpoolException(ThinErrors.VolumeRemoved,
                $"volume {Volume.Volume} on domain {Volume.Domain} is no longer monitored (torn down)"));
        }
    }
}
