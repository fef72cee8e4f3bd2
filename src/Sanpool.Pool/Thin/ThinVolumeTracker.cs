using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// The monitor's bookkeeping for one volume, without I/O or threads: the policy state, the one
/// request in flight, the offset someone is waiting to write to, and the retry backoff.
/// <see cref="ThinVolumeMonitor"/> drives it from its per-volume loop (under a lock) and the
/// simulator drives it from its event queue, so both follow the same rules:
/// <list type="number">
/// <item>at most one request in flight: crossings and refusals while one is out only raise the demand;</item>
/// <item>when a request completes (after the refresh), its latency feeds the policy unless the
/// SPM failed it meanwhile (a wait for a new LUN is not a round trip), and the volume is looked
/// at again at once (a fast writer may already need more);</item>
/// <item>a request that could not be made waits out a doubling backoff;</item>
/// <item>at the maximum, nothing is asked.</item>
/// </list>
/// Not thread-safe: the caller serializes.
/// </summary>
public sealed class ThinVolumeTracker
{
    private readonly ExtensionPolicy _policy;
    private readonly ThinMonitorOptions _options;

    public ThinVolumeTracker(ExtensionPolicy policy, ThinMonitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        _policy = policy;
        _options = options.Validate();
    }

    public ThinVolumeState State { get; private set; } = ThinVolumeState.Empty;

    /// <summary>The end of a refused write or of a waiter's offset beyond the current size (0 when none).</summary>
    public long Demand { get; private set; }

    public bool InFlight { get; private set; }

    public long RequestedSize { get; private set; }

    public TimeSpan RequestStarted { get; private set; }

    /// <summary>Failures the requester reported for the request in flight.</summary>
    public int FailuresInRequest { get; private set; }

    /// <summary>Failures since the volume last got room (requester reports, errors, refresh failures).</summary>
    public int Failures { get; private set; }

    /// <summary>Requests that could not be made (or refreshes that failed) in a row: the backoff's exponent.</summary>
    public int ConsecutiveErrors { get; private set; }

    /// <summary>No request before this (monotonic) time.</summary>
    public TimeSpan RetryAt { get; private set; }

    public int Requests { get; private set; }

    public void Observe(TimeSpan now, long highestWrite) => State = _policy.Observe(State, now, highestWrite);

    /// <summary>A write ending at <paramref name="end"/> was refused, or someone waits for room up to it.</summary>
    public void NeedRoom(long end) => Demand = Math.Max(Demand, end);

    /// <summary>The policy's decision for the current sizes, counting the demand as written.</summary>
    public ExtensionDecision Decide(long currentSize, long maximumSize, long highestWrite)
    {
        if (Demand <= currentSize)
        {
            Demand = 0;
        }

        return _policy.Decide(currentSize, maximumSize, Math.Max(highestWrite, Demand), State);
    }

    /// <summary>Whether a request may be sent now: none in flight and no backoff running.</summary>
    public bool MayRequest(TimeSpan now) => !InFlight && now >= RetryAt;

    public void Started(TimeSpan now, long newSize)
    {
        InFlight = true;
        RequestedSize = newSize;
        RequestStarted = now;
        FailuresInRequest = 0;
        Requests++;
    }

    /// <summary>The requester reported a failure; the request stays pending. Returns the failure count.</summary>
    public int Failed()
    {
        FailuresInRequest++;
        return ++Failures;
    }

    /// <summary>The request could not be made: back off. Returns the failure count.</summary>
    public int Threw(TimeSpan now)
    {
        InFlight = false;
        ConsecutiveErrors++;
        RetryAt = now + _options.Backoff(ConsecutiveErrors);
        return ++Failures;
    }

    /// <summary>The SPM extended the LV but the refresh failed: back off before refreshing again. Returns the failure count.</summary>
    public int RefreshFailed(TimeSpan now)
    {
        ConsecutiveErrors++;
        RetryAt = now + _options.Backoff(ConsecutiveErrors);
        return ++Failures;
    }

    /// <summary>The extension is done and mapped: <paramref name="newSize"/> is the refreshed size. Returns the latency.</summary>
    public TimeSpan Completed(TimeSpan now, long newSize)
    {
        TimeSpan latency = now - RequestStarted;
        if (FailuresInRequest == 0)
        {
            State = _policy.WithLatency(State, latency);
        }

        InFlight = false;
        ConsecutiveErrors = 0;
        Failures = 0;
        RetryAt = TimeSpan.Zero;
        if (Demand <= newSize)
        {
            Demand = 0;
        }

        return latency;
    }
}
