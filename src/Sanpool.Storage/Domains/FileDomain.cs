using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Domains;

/// <summary>
/// File domains (NFS, posix, local): creation and reading. Creation builds the whole tree in
/// a hidden staging directory next to its final place and renames it in as the last step, so
/// a crash leaves either no domain or a complete one (and a staging directory the next create
/// of the same UUID removes).
/// </summary>
public static class FileDomain
{
    public const int FormatVersion = DomainDefaults.FormatVersion;
    public const int DefaultIoTimeout = DomainDefaults.IoTimeout;
    public const int MaxDescription = DomainDefaults.MaxDescription;

    public static Task<DomainInfo> CreateAsync(string mount, Guid uuid, string description, int sectorSize, CancellationToken cancellationToken) =>
        CreateAsync(mount, uuid, description, sectorSize, DefaultIoTimeout, cancellationToken);

    /// <param name="ioTimeout">The lockspace's io_timeout (IOOPTIMEOUTSEC); every lease delay derives from it.</param>
    public static async Task<DomainInfo> CreateAsync(string mount, Guid uuid, string description, int sectorSize, int ioTimeout, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(mount))
        {
            throw new SanpoolException(CommonErrors.NotFound, $"{mount} is not a directory");
        }

        DomainDefaults.CheckDescription(description);

        if (ioTimeout is < 1 or > 255)
        {
            throw CommonErrors.Invalid($"io timeout {ioTimeout} s: must be 1..255 (sanlock keeps it in one byte)");
        }

        var final = new FileDomainLayout(mount, uuid);
        if (Directory.Exists(final.Root))
        {
            throw new SanpoolException(StorageErrors.DomainExists, $"domain {uuid} already exists at {final.Root}");
        }

        var geometry = LeaseGeometry.ForSectorSize(sectorSize);
        string staging = Path.Combine(mount, $".{uuid}.creating");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var layout = new FileDomainLayout(staging, uuid);
        try
        {
            await BuildAsync(layout, geometry, description, mount, ioTimeout, cancellationToken).ConfigureAwait(false);
            Directory.Move(layout.Root, final.Root);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return await ReadInfoAsync(mount, uuid, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads and verifies a file domain's metadata.</summary>
    public static async Task<DomainInfo> ReadInfoAsync(string mount, Guid uuid, CancellationToken cancellationToken) =>
        DomainInfo.From(await ReadMetadataAsync(mount, uuid, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads a file domain's metadata and verifies its seal.</summary>
    public static async Task<DomainMetadata> ReadMetadataAsync(string mount, Guid uuid, CancellationToken cancellationToken)
    {
        var layout = new FileDomainLayout(mount, uuid);
        if (!File.Exists(layout.Metadata))
        {
            throw new SanpoolException(StorageErrors.DomainNotFound, $"no domain {uuid} under {mount}");
        }

        var lines = await File.ReadAllLinesAsync(layout.Metadata, cancellationToken).ConfigureAwait(false);
        return DomainMetadata.Parse(lines, layout.Metadata);
    }

    private static async Task BuildAsync(FileDomainLayout layout, LeaseGeometry g, string description, string mount, int ioTimeout, CancellationToken cancellationToken)
    {
        foreach (var dir in new[] { layout.DomMd, Path.Combine(layout.Master, "vms"), Path.Combine(layout.Master, "tasks"), layout.Images })
        {
            Directory.CreateDirectory(dir);
        }

        Sparse(layout.Ids, g.Alignment);
        Sparse(layout.Leases, (long)FileDomainLayout.LeasesSlots * g.Alignment);
        Sparse(layout.Inbox, FileDomainLayout.MailboxSize);
        Sparse(layout.Outbox, FileDomainLayout.MailboxSize);
        Sparse(layout.Xleases, (long)FileDomainLayout.XleasesSlots * g.Alignment);
        Sparse(Path.Combine(layout.Master, Journal.MasterArea.FileName), Journal.MasterArea.Size);

        var io = TimeSpan.FromSeconds(ioTimeout);
        string name = layout.Domain.ToString();
        await using (var ids = DirectBlockDevice.Open(layout.Ids))
        {
            await DeltaLease.InitAsync(new LeaseDisk(ids, 0, g, io), name, ioTimeout, cancellationToken).ConfigureAwait(false);
        }

        await using (var leases = DirectBlockDevice.Open(layout.Leases))
        {
            await PaxosLease.InitAsync(new LeaseDisk(leases, g.Alignment, g, io), name, SpmLease.Name, null, cancellationToken).ConfigureAwait(false);
        }

        var keys = DomainDefaults.CommonKeys(layout.Domain, "LOCALFS", description, g, ioTimeout);
        keys["REMOTE_PATH"] = mount;
        var md = new DomainMetadata(keys);
        await WriteMetadataAsync(layout.Metadata, md, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes metadata.new, flushes it, and renames it over metadata (VDSM's way).</summary>
    public static Task WriteMetadataAsync(string path, DomainMetadata md, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(path, System.Text.Encoding.UTF8.GetBytes(string.Concat(md.ToLines().Select(l => l + "\n"))), cancellationToken);

    private static void Sparse(string path, long size)
    {
        using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        f.SetLength(size);
    }
}
