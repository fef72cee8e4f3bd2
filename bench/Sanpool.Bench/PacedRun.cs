namespace Sanpool.Bench;

/// <summary>
/// One paced write of a whole disk: the rate asked for, the pauses (writes refused with ENOSPC),
/// the time spent paused, the writer's rate over the hold phase (after the ramp) on its own
/// clock (pauses excluded), the wall time, and the extension requests made meanwhile.
/// </summary>
internal sealed record PacedRun(double RateMiB, int Pauses, TimeSpan Paused, double HeldRateMiB, TimeSpan Elapsed)
{
    /// <summary>The writer kept within this fraction of the rate over the hold phase: below it, the rate was not sustained (the writer, not the policy, was the limit).</summary>
    public const double Kept = 0.95;

    /// <summary>Extension requests the monitor made during the run (set by the bench, which owns the monitor).</summary>
    public int Requests { get; init; }

    /// <summary>Chunks read back and checked against the pattern after the run (the first, the last, and every write that was refused and sent again).</summary>
    public int Checked { get; init; }

    /// <summary>Of those, the ones that did not read back as written.</summary>
    public int Mismatched { get; init; }

    public bool Sustained => HeldRateMiB >= Kept * RateMiB;

    /// <summary>No pause, and the rate held: the policy kept ahead of this writer.</summary>
    public bool Clean => Pauses == 0 && Sustained;
}
