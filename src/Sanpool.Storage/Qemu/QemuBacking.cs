namespace Sanpool.Storage.Qemu;

/// <summary>
/// A backing file as Sanpool writes it into a qcow2 header: the parent's bare volume UUID
/// (resolved by qemu relative to the image's directory) and the parent's format.
/// </summary>
public sealed record QemuBacking(string VolumeId, QemuImageFormat Format);
