namespace Sanpool.Storage.Lvm;

/// <summary>
/// One linear segment of an LV: <see cref="ExtentCount"/> extents of the LV, starting at its
/// logical extent <see cref="LogicalStart"/>, stored on <see cref="PvName"/> from physical
/// extent <see cref="PvStart"/> on (from <c>seg_start_pe</c> and <c>seg_pe_ranges</c>
/// "/dev/x:first-last").
/// </summary>
public sealed record LvSegment(long LogicalStart, long ExtentCount, string PvName, long PvStart)
{
    /// <summary>The LV's first logical extent after this segment.</summary>
    public long LogicalEnd => LogicalStart + ExtentCount;
}
