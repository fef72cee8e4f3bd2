namespace Sanpool.Storage.Thin;

/// <summary>
/// What the predictive policy remembers about one volume: the last watermark sample it used,
/// the write-rate estimate (bytes per second) and the most recent extension latencies. Immutable:
/// <see cref="ExtensionPolicy.Observe"/> and <see cref="ExtensionPolicy.WithLatency"/> return new states,
/// so a decision is a pure function of (sizes, watermark, time, state).
/// </summary>
public sealed record ThinVolumeState
{
    public static readonly ThinVolumeState Empty = new();

    /// <summary>When the last used watermark sample was taken (monotonic time), null before any.</summary>
    public TimeSpan? SampleTime { get; init; }

    /// <summary>The watermark (highest write end) at <see cref="SampleTime"/>.</summary>
    public long SampleWrite { get; init; }

    /// <summary>Moving average of the watermark's growth, bytes per second.</summary>
    public double AverageRate { get; init; }

    /// <summary>The growth over the last sample interval alone, bytes per second (reacts at once to a writer speeding up).</summary>
    public double LastRate { get; init; }

    /// <summary>The rate planned for: quick to rise (the last interval), slow to fall (the average).</summary>
    public double Rate => Math.Max(AverageRate, LastRate);

    /// <summary>The most recent extension latencies (request to refreshed mapping), oldest first.</summary>
    public IReadOnlyList<TimeSpan> Latencies { get; init; } = [];
}
