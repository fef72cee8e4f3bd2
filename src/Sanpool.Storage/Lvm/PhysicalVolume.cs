namespace Sanpool.Storage.Lvm;

/// <summary>
/// One PV as <c>pvs</c> reports it. Sizes are in bytes. <see cref="PeStart"/> is where the PV's
/// first extent begins on the device: extent <c>n</c> of this PV is at
/// <c>PeStart + n * extent size</c>.
/// </summary>
/// <param name="Name">The device path LVM knows the PV by (its preferred alias).</param>
/// <param name="VgName">The VG it belongs to, or null for an orphan PV.</param>
/// <param name="PeCount">Extents on the PV; 0 while it is in no VG.</param>
public sealed record PhysicalVolume(
    string Name,
    string Uuid,
    string? VgName,
    long Size,
    long Free,
    long PeStart,
    long PeCount,
    long PeAllocCount);
