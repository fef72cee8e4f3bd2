namespace Sanpool.Engine.Tests.Security;

/// <summary>The system's clock, moved by <see cref="Offset"/>: for certificates made "later".</summary>
internal sealed class ShiftedTime(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
