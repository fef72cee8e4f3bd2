using Sanpool.BlockIO;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// What Storage needs of a host's data path: block devices shown as regular files in one
/// directory, so that qemu-img opens them by path and resolves a qcow2's bare-UUID backing file
/// next to it, for as long as the returned handle lives. A block store needs it for every
/// operation that runs qemu-img on LVs (<see cref="IDomainManifest.PrepareAsync"/>); a file
/// domain's volumes are files already. The composition root that opens block domains gives it
/// (<see cref="DomainLocator.Files"/>): Sanpool.DataPath's FUSE mount, reached without
/// device-mapper.
/// </summary>
public interface IDeviceFiles
{
    /// <summary>
    /// Shows each device of <paramref name="files"/> as the file named by its key in the new
    /// directory <paramref name="directory"/>, sized as the device. Disposing the result takes
    /// the files away; the devices stay the caller's, who disposes them after that.
    /// </summary>
    /// <exception cref="Core.SanpoolException">The directory could not be made to show them (e.g. FUSE_MOUNT_FAILED).</exception>
    Task<PreparedVolumes> ExposeAsync(string directory, IReadOnlyList<KeyValuePair<string, IBlockDevice>> files, CancellationToken cancellationToken);

    /// <summary>
    /// Takes away what a process that died left under <paramref name="root"/> (directories whose
    /// files no longer answer), never what this process shows.
    /// </summary>
    Task CleanupStaleAsync(string root, CancellationToken cancellationToken);
}
