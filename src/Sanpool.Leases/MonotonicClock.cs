namespace Sanpool.Leases;

/// <summary>
/// Whole seconds of the monotonic clock, as sanlock's monotime() (CLOCK_MONOTONIC). Lease
/// timestamps are these seconds: never compared across hosts, only watched for change.
/// The system TimeProvider's timestamp is CLOCK_MONOTONIC on Linux.
/// </summary>
public sealed class MonotonicClock(TimeProvider time)
{
    public static readonly MonotonicClock System = new(TimeProvider.System);

    public TimeProvider Time { get; } = time;

    /// <summary>Never 0: a zero timestamp means "free" on disk.</summary>
    public ulong Seconds => Math.Max(1UL, (ulong)(Time.GetTimestamp() / Time.TimestampFrequency));

    /// <summary>Precise monotonic time, for measuring waits.</summary>
    public TimeSpan Now => TimeSpan.FromSeconds((double)Time.GetTimestamp() / Time.TimestampFrequency);

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, Time, cancellationToken);
}
