namespace Sanpool.Core.Tests;

/// <summary>A monotonic clock that moves only when the test says so (no timers: what is tested here only reads the time).</summary>
internal sealed class SteppedTime : TimeProvider
{
    private long _ticks = 1;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Volatile.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
