namespace Sanpool.Engine.Tests.Data;

/// <summary>A clock that says what the test sets, so written times can be compared exactly.</summary>
internal sealed class FixedClock : TimeProvider
{
    public FixedClock(DateTimeOffset now) => Now = now;

    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
