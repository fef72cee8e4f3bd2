using Sanpool.DataPath;
using Sanpool.Storage.Metadata;

namespace Sanpool.Pool.Serving;

/// <summary>
/// One volume of a prepared chain as qemu reaches it on this host: an NBD export over its LV
/// (block) or its file (file domain).
/// </summary>
/// <param name="Export">The LV's export on a block domain; null on a file domain.</param>
/// <param name="FilePath">The file qemu opens: the volume itself on a file domain, a read-only parent's file on the host's FUSE mount on a block domain; null for a block leaf.</param>
/// <param name="Thin">True for a sparse qcow2 volume on a block domain that is written here: it grows on demand.</param>
public sealed record PreparedVolume(Guid Volume, VolumeFormat Format, bool Writable, bool Thin, LvExport? Export, string? FilePath);
