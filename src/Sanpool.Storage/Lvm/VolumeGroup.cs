using System.Collections.Immutable;

namespace Sanpool.Storage.Lvm;

/// <summary>One VG as <c>vgs</c> reports it. For a Sanpool block domain the name is the domain UUID.</summary>
/// <param name="ExtentSize">Bytes per extent (128 MiB for domains).</param>
/// <param name="Tags">The VG tags, in LVM's (sorted) order.</param>
public sealed record VolumeGroup(
    string Name,
    string Uuid,
    long ExtentSize,
    long ExtentCount,
    long FreeCount,
    ImmutableArray<string> Tags,
    int PvCount)
{
    public long Size => ExtentSize * ExtentCount;

    public long Free => ExtentSize * FreeCount;
}
