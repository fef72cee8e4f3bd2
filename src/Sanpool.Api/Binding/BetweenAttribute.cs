namespace Sanpool.Api.Binding;

/// <summary>A request's whole number that must lie in [<see cref="Min"/>, <see cref="Max"/>].</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
public sealed class BetweenAttribute(long min, long max) : Attribute
{
    public long Min { get; } = min;

    public long Max { get; } = max;
}
