namespace Sanpool.Pool.Serving;

/// <summary>
/// An image (disk) made usable on this host: its chain, base first, each volume served, and
/// the qemu drive specification for the whole chain (<see cref="DriveSpec"/>).
/// </summary>
public sealed record PreparedImage(Guid Domain, Guid Image, IReadOnlyList<PreparedVolume> Chain, string DriveSpec, string NbdSocket)
{
    /// <summary>The read-only parents of a block chain as files (a FUSE mount), for the drive spec; null otherwise.</summary>
    public Storage.Volumes.PreparedVolumes? Files { get; init; }

    /// <summary>The chain as <c>-blockdev</c> nodes, every volume over NBD on a block domain (<see cref="Serving.DriveSpec.Blockdevs"/>).</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject> Blockdevs => Serving.DriveSpec.Blockdevs(Chain, NbdSocket);

    /// <summary>The chain's top: the volume a VM writes.</summary>
    public PreparedVolume Leaf => Chain[^1];
}
