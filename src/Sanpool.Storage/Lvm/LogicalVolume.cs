using System.Collections.Immutable;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// One LV as <c>lvs</c> reports it, with its segments in logical order. For a Sanpool volume
/// the name is the volume UUID and the tags carry IU_/PU_/MD_.
/// </summary>
/// <param name="Attr">lv_attr; without device-mapper its state letters read "XX" (unknown).</param>
public sealed record LogicalVolume(
    string Name,
    string VgName,
    string Uuid,
    string Attr,
    long Size,
    ImmutableArray<string> Tags,
    ImmutableArray<LvSegment> Segments)
{
    /// <summary>Extents the LV spans, the sum over its segments.</summary>
    public long ExtentCount
    {
        get
        {
            long n = 0;
            foreach (var s in Segments)
            {
                n += s.ExtentCount;
            }

            return n;
        }
    }
}
