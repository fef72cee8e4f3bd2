namespace Sanpool.DataPath;

/// <summary>
/// How a host reaches the bytes of an LV it serves (DESIGN section 4). Both give qemu the same
/// NBD export, with the same watermark, ENOSPC and refresh; they differ only under it.
/// </summary>
public enum LvDataPathMode
{
    /// <summary><see cref="Activated"/> where this host has device-mapper, <see cref="Segments"/> elsewhere.</summary>
    Auto,

    /// <summary>No device-mapper: the LV's segments (from <c>lvs</c>) are mapped onto its PVs by Sanpool itself.</summary>
    Segments,

    /// <summary>The LV is activated (<c>lvchange -ay</c>) and its device node served; a refresh is <c>lvchange --refresh</c>.</summary>
    Activated,
}
