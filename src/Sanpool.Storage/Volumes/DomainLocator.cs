using Sanpool.Core;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// Finds a domain by UUID in the places it was told about, and nowhere else: file domains as
/// <c>&lt;path&gt;/&lt;sd&gt;/dom_md</c> under each given path, block domains as the VG named
/// by the UUID on the given devices (LVM sees only those: its filter names nothing else).
/// </summary>
public sealed record DomainLocator(IReadOnlyList<string> Paths, IReadOnlyList<string> Devices)
{
    /// <summary>
    /// How a block domain's LVs are shown to qemu-img as files on this host (the composition
    /// root gives Sanpool.DataPath's FUSE mount); without it, a block domain opens for reading
    /// and leases, and every operation that runs qemu-img on its volumes is refused.
    /// </summary>
    public IDeviceFiles? Files { get; init; }

    public async Task<IDomainManifest> OpenAsync(Guid domain, QemuImg qemuImg, string runDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qemuImg);
        foreach (var path in Paths)
        {
            if (Directory.Exists(new FileDomainLayout(path, domain).DomMd))
            {
                return await FileVolumeStore.OpenAsync(path, domain, qemuImg, cancellationToken).ConfigureAwait(false);
            }
        }

        if (Devices.Count > 0)
        {
            return await BlockVolumeStore.OpenAsync(Devices, domain, qemuImg, runDirectory, Files, cancellationToken).ConfigureAwait(false);
        }

        // A directory that is not there is the likelier mistake (a mount not made, a typo): said first.
        var missing = Paths.Where(p => !Directory.Exists(p)).ToList();
        string where = Paths.Count == 0 ? "(no --path given)" : string.Join(", ", Paths);
        throw new SanpoolException(StorageErrors.DomainNotFound, missing.Count > 0
            ? $"no domain {domain}: the directory {string.Join(", ", missing)} does not exist (is the file system mounted?)"
            : $"no domain {domain} under {where}; give --path DIR for a file domain or --device DEV[,DEV] for a block domain");
    }
}
