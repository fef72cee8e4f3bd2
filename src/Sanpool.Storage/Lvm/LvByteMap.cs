using System.Collections.Immutable;
using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// Where an LV's bytes are on its PVs, so the data path can read and write an LV without
/// device-mapper (DESIGN section 4). Pure: built from lvs/vgs/pvs reports, no I/O.
/// <para>
/// LVM's linear target maps logical extent <c>le</c> of a segment to physical extent
/// <c>pe = segment.PvStart + (le - segment.LogicalStart)</c> on the segment's PV, and physical
/// extent <c>pe</c> starts at byte <c>pv.pe_start + pe * vg.extent_size</c> of the device. An
/// LV extended after another LV was allocated behind it has several segments, so consecutive
/// LV bytes can jump across the PV, or to another PV:
/// </para>
/// <code>
///  PV: | pe_start | A: pe 0-1 | B: pe 2-3 | A: pe 4-5 | free ...
///  A:    [0, 2 ext) -> pe 0      [2 ext, 4 ext) -> pe 4
/// </code>
/// The map is a snapshot: after the LV is extended, build a new one from fresh reports.
/// </summary>
public sealed class LvByteMap
{
    private LvByteMap(string lvName, long size, ImmutableArray<LvByteRange> ranges)
    {
        LvName = lvName;
        Size = size;
        Ranges = ranges;
    }

    public string LvName { get; }

    /// <summary>The LV's size in bytes: the sum of the ranges.</summary>
    public long Size { get; }

    /// <summary>One range per segment, in LV order, covering [0, Size) without gaps.</summary>
    public ImmutableArray<LvByteRange> Ranges { get; }

    /// <summary>
    /// Builds the map of <paramref name="lv"/>, checking that its segments cover it from extent
    /// 0 without gaps or overlaps, add up to its size, and lie inside their PVs.
    /// </summary>
    /// <param name="extentSize">The VG's extent size in bytes.</param>
    /// <param name="pvs">The VG's PVs (for pe_start and pe_count), as <c>pvs</c> reports them.</param>
    /// <exception cref="SanpoolException">LVM_BAD_REPORT if the reports disagree.</exception>
    public static LvByteMap Create(LogicalVolume lv, long extentSize, IEnumerable<PhysicalVolume> pvs)
    {
        ArgumentNullException.ThrowIfNull(lv);
        ArgumentNullException.ThrowIfNull(pvs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(extentSize);
        var pvByName = pvs.ToDictionary(p => p.Name, StringComparer.Ordinal);

        var ranges = ImmutableArray.CreateBuilder<LvByteRange>(lv.Segments.Length);
        long nextExtent = 0;
        foreach (var segment in lv.Segments.OrderBy(s => s.LogicalStart))
        {
            if (segment.LogicalStart != nextExtent || segment.ExtentCount <= 0)
            {
                throw Bad(lv, $"segment at logical extent {segment.LogicalStart} (+{segment.ExtentCount}) does not follow extent {nextExtent}");
            }

            if (!pvByName.TryGetValue(segment.PvName, out var pv))
            {
                throw Bad(lv, $"segment at logical extent {segment.LogicalStart} is on {segment.PvName}, which is not among the PVs given");
            }

            if (segment.PvStart < 0 || segment.PvStart + segment.ExtentCount > pv.PeCount)
            {
                throw Bad(lv, $"segment at logical extent {segment.LogicalStart} uses extents {segment.PvStart}..{segment.PvStart + segment.ExtentCount - 1} of {pv.Name}, which has {pv.PeCount}");
            }

            ranges.Add(new LvByteRange(
                LvOffset: checked(segment.LogicalStart * extentSize),
                Length: checked(segment.ExtentCount * extentSize),
                PvName: pv.Name,
                PvOffset: checked(pv.PeStart + (segment.PvStart * extentSize))));
            nextExtent = segment.LogicalEnd;
        }

        long size = checked(nextExtent * extentSize);
        if (size != lv.Size)
        {
            throw Bad(lv, $"segments add up to {size} bytes, but the LV's size is {lv.Size}");
        }

        return new LvByteMap(lv.Name, size, ranges.MoveToImmutable());
    }

    /// <summary>
    /// Splits the LV bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) into
    /// pieces that each lie on one PV, in LV order. The caller checks the end against
    /// <see cref="Size"/> first: a write past the end of an LV is ENOSPC, not a mapping error.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The span is not inside the LV.</exception>
    public IEnumerable<LvByteRange> Slice(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset + length}) is not inside LV {LvName} of {Size} bytes");
        }

        return SliceIterator(offset, length);
    }

    private IEnumerable<LvByteRange> SliceIterator(long offset, long length)
    {
        long end = offset + length;
        for (int i = FindRange(offset); offset < end; i++)
        {
            var range = Ranges[i];
            long pieceEnd = Math.Min(end, range.LvEnd);
            yield return new LvByteRange(offset, pieceEnd - offset, range.PvName, range.PvOffset + (offset - range.LvOffset));
            offset = pieceEnd;
        }
    }

    /// <summary>The index of the range holding LV byte <paramref name="offset"/> (binary search).</summary>
    private int FindRange(long offset)
    {
        int lo = 0;
        int hi = Ranges.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Ranges[mid].LvOffset <= offset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    private static SanpoolException Bad(LogicalVolume lv, string message) =>
        new(LvmErrors.BadReport, $"LV {lv.VgName}/{lv.Name}: {message}");
}
