using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>
/// One policy's search: every run in the order made, the highest rate that ran clean (no
/// pause, rate held; null if none did) and whether that is only a lower bound (the top of the
/// search ran clean), and the extension latencies the monitor measured over all its runs.
/// </summary>
internal sealed record ThinMeasuredRow(string Name, ExtensionPolicyOptions Policy, IReadOnlyList<PacedRun> Runs, IReadOnlyList<TimeSpan> Latencies)
{
    public PacedRun? HighestClean => Runs.Where(r => r.Clean).MaxBy(r => r.RateMiB);

    /// <summary>The lowest rate that paused (or could not be held) above the highest clean one.</summary>
    public PacedRun? LowestFailed => Runs.Where(r => !r.Clean && (HighestClean is null || r.RateMiB > HighestClean.RateMiB)).MinBy(r => r.RateMiB);

    public bool AtLeast => HighestClean is not null && LowestFailed is null;
}
