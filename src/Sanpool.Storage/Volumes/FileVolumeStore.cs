using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// Volumes of a file domain, in VDSM's tree: <c>images/&lt;img&gt;/&lt;vol&gt;</c> with
/// <c>&lt;vol&gt;.meta</c> (written as .new, then renamed) and <c>&lt;vol&gt;.lease</c> (a
/// resource named by the volume at offset 0). Template volumes are hard-linked into each image
/// made from them, so qemu finds every parent by its bare UUID in the image's directory; a
/// link is recognised by its metadata naming another image, and listed once, under its own.
/// </summary>
public sealed class FileVolumeStore : IVolumeStore
{
    private readonly FileDomainLayout _layout;
    private readonly QemuImg _qemuImg;

    private FileVolumeStore(FileDomainLayout layout, DomainInfo info, QemuImg qemuImg)
    {
        _layout = layout;
        Info = info;
        _qemuImg = qemuImg;
        Geometry = LeaseGeometry.ForSectorSize(info.BlockSize);
    }

    public DomainInfo Info { get; }

    public string Kind => "file";

    public bool FixedSize => false;

    public LeaseGeometry Geometry { get; }

    public FileDomainLayout Layout => _layout;

    public long InitialSize(VolumeFormat format, AllocationType allocation, long capacity) =>
        format == VolumeFormat.RAW ? capacity : 0;

    public static async Task<FileVolumeStore> OpenAsync(string mount, Guid domain, QemuImg qemuImg, CancellationToken cancellationToken)
    {
        var info = await FileDomain.ReadInfoAsync(mount, domain, cancellationToken).ConfigureAwait(false);
        return new FileVolumeStore(new FileDomainLayout(mount, domain), info, qemuImg);
    }

    /// <summary>Kept for the interface: qemu writes file volumes directly, so there is nothing to fence here.</summary>
    public Action? WriteFence { get; set; }

    /// <summary>Every change below asks the writer's fence first: a writer whose lease is gone changes nothing, not even in a rollback.</summary>
    private void Fenced() => WriteFence?.Invoke();

    /// <summary>Nothing to forget: a file store reads the directory tree on every call.</summary>
    public void Refresh()
    {
    }

    /// <summary>Nothing to forget: a file store keeps nothing between calls.</summary>
    public void BeginWriterTerm()
    {
    }

    public Task<DomainSpace> ReadSpaceAsync(CancellationToken cancellationToken) =>
        Task.FromResult(FileStat.FileSystemSpace(_layout.DomMd)
            ?? throw new SanpoolException(BlockIO.BlockIoErrors.IoError, $"domain {Info.Uuid}: cannot read the free space of {_layout.Mount}", true));

    public Task<DomainMetadata> ReadDomainMetadataAsync(CancellationToken cancellationToken) =>
        FileDomain.ReadMetadataAsync(_layout.Mount, Info.Uuid, cancellationToken);

    public Task WriteDomainMetadataAsync(DomainMetadata metadata, CancellationToken cancellationToken)
    {
        Fenced();
        return FileDomain.WriteMetadataAsync(_layout.Metadata, metadata, cancellationToken);
    }

    public Task<IReadOnlyList<StoredVolume>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new List<StoredVolume>();
        if (!Directory.Exists(_layout.Images))
        {
            return Task.FromResult<IReadOnlyList<StoredVolume>>(found);
        }

        foreach (var dir in Directory.EnumerateDirectories(_layout.Images).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            bool removing = name.StartsWith(RemovePrefix, StringComparison.Ordinal);
            if (!Guid.TryParse(removing ? name[RemovePrefix.Length..] : name, out var image))
            {
                continue;
            }

            // The SPM runs tasks on other images while this one lists: a file or a whole image
            // directory removed since it was named is simply not there any more.
            try
            {
                foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                {
                    if (Guid.TryParse(Path.GetFileName(file), out var volume) && ListedVolume(file, image, volume, removing) is { } stored)
                    {
                        found.Add(stored);
                    }
                }
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        return Task.FromResult<IReadOnlyList<StoredVolume>>(found);
    }

    /// <summary>The volume file as it is now; null if it was removed since its directory was listed.</summary>
    private static StoredVolume? ListedVolume(string file, Guid image, Guid volume, bool removing)
    {
        try
        {
            if (IsTemplateLink(file, image))
            {
                return null;
            }

            return new StoredVolume(image, volume, new FileInfo(file).Length, FileStat.AllocatedBytes(file))
            {
                Removing = removing,
                Initializing = File.Exists(file + InitializingSuffix),
            };
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<VolumeMetadata> ReadMetadataAsync(StoredVolume volume, CancellationToken cancellationToken)
    {
        string path = MetaPath(DirOf(volume), volume.Volume);
        if (!File.Exists(path))
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"volume {volume}: no metadata file {path}");
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Removed by a task on another image since it was listed.
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"volume {volume}: no metadata file {path}", false, e);
        }

        return VolumeMetadata.Parse(bytes, path);
    }

    public async Task WriteMetadataAsync(StoredVolume volume, VolumeMetadata metadata, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(metadata);
        await AtomicFile.WriteAsync(MetaPath(DirOf(volume), volume.Volume), metadata.ToBytes(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredVolume> AllocateAsync(VolumeAllocation allocation, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(allocation);
        var md = allocation.Metadata;
        string dir = _layout.Image(md.Image);
        Directory.CreateDirectory(dir);
        string data = Path.Combine(dir, allocation.Volume.ToString());

        // The mark goes first and comes off last: a crash in between leaves a volume that
        // recovery and `domain check` know was never finished.
        await File.WriteAllBytesAsync(data + InitializingSuffix, [], cancellationToken).ConfigureAwait(false);
        await AtomicFile.WriteAsync(MetaPath(dir, allocation.Volume), md.ToBytes(), cancellationToken).ConfigureAwait(false);
        await CreateLeaseAsync(Path.Combine(dir, allocation.Volume + ".lease"), allocation.Volume, cancellationToken).ConfigureAwait(false);
        await CreateDataAsync(data, md, allocation.StorageSize, cancellationToken).ConfigureAwait(false);
        return new StoredVolume(md.Image, allocation.Volume, new FileInfo(data).Length, FileStat.AllocatedBytes(data)) { Initializing = true };
    }

    public Task MarkReadyAsync(StoredVolume volume, CancellationToken cancellationToken)
    {
        Fenced();
        File.Delete(Path.Combine(DirOf(volume), volume.Volume + InitializingSuffix));
        return Task.CompletedTask;
    }

    public Task SetParentAsync(StoredVolume volume, Guid parent, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<StoredVolume> ExtendAsync(StoredVolume volume, long size, CancellationToken cancellationToken) =>
        Task.FromResult(volume); // files grow as qemu writes them

    /// <summary>Nothing to do on a file domain (see <see cref="IVolumeStore.ZeroAsync"/>).</summary>
    public Task ZeroAsync(StoredVolume volume, long offset, long length, Action<double>? progress, CancellationToken cancellationToken)
    {
        Fenced();
        progress?.Invoke(100);
        return Task.CompletedTask;
    }

    /// <summary>False: removing the file gives its blocks back to the file system.</summary>
    public Task<bool> DiscardAsync(StoredVolume volume, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task RemoveAsync(Guid image, Guid volume, CancellationToken cancellationToken)
    {
        Fenced();
        foreach (var dir in new[] { _layout.Image(image), Path.Combine(_layout.Images, RemovePrefix + image) })
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            // Data first, then the rest: a volume file without .meta is never listed as healthy.
            foreach (var suffix in new[] { "", ".lease", ".meta", ".meta" + AtomicFile.NewSuffix, InitializingSuffix })
            {
                File.Delete(Path.Combine(dir, volume + suffix));
            }

            // Template links are all that may remain; an image directory with no volume of its own goes.
            if (!Directory.EnumerateFiles(dir).Any(f => Guid.TryParse(Path.GetFileName(f), out _) && !IsTemplateLink(f, image)))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return Task.CompletedTask;
    }

    public Task LinkTemplateAsync(StoredVolume template, Guid image, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(template);
        string from = DirOf(template);
        string to = _layout.Image(image);
        Directory.CreateDirectory(to);
        foreach (var suffix in new[] { "", ".meta", ".lease" })
        {
            string target = Path.Combine(to, template.Volume + suffix);
            if (!File.Exists(target))
            {
                HardLink.Create(Path.Combine(from, template.Volume + suffix), target);
            }
        }

        return Task.CompletedTask;
    }

    public Task<PreparedVolumes> PrepareAsync(IReadOnlyList<StoredVolume> volumes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        if (volumes.Count == 0)
        {
            throw CommonErrors.Invalid("nothing to prepare");
        }

        // The chain's own image: the one its leaf is in (template volumes are linked into it).
        var image = volumes[^1].Image;
        if (volumes.FirstOrDefault(v => !File.Exists(Path.Combine(_layout.Image(image), v.Volume.ToString()))) is { } missing)
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"volume {missing} is not reachable from image {image}'s directory");
        }

        return Task.FromResult(new PreparedVolumes(_layout.Image(image)));
    }

    public LvLocation? LvOf(StoredVolume volume) => null;

    public string? FilePathOf(StoredVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Path.Combine(DirOf(volume), volume.Volume.ToString());
    }

    public Task<IBlockDevice> OpenVolumeAsync(StoredVolume volume, bool readOnly, CancellationToken cancellationToken) =>
        Task.FromResult<IBlockDevice>(DirectBlockDevice.Open(Path.Combine(DirOf(volume), volume.Volume.ToString()), readOnly));

    public Task<IBlockDevice> OpenMasterAreaAsync(CancellationToken cancellationToken)
    {
        // Domains made before the tasks and host reports were added hold a shorter file: grow it (sparse).
        string path = Path.Combine(_layout.Master, MasterArea.FileName);
        using (var f = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write))
        {
            if (f.Length < MasterArea.Size)
            {
                f.SetLength(MasterArea.Size);
            }
        }

        return Task.FromResult<IBlockDevice>(DirectBlockDevice.Open(path));
    }

    public Task<IBlockDevice> OpenIdsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IBlockDevice>(DirectBlockDevice.Open(_layout.Ids));

    public Task<IBlockDevice> OpenLeasesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IBlockDevice>(DirectBlockDevice.Open(_layout.Leases));

    public Task<IBlockDevice> OpenMailboxAsync(Mailbox.MailboxArea area, CancellationToken cancellationToken) =>
        Task.FromResult<IBlockDevice>(DirectBlockDevice.Open(area == Mailbox.MailboxArea.Inbox ? _layout.Inbox : _layout.Outbox, sync: false));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>VDSM's prefix for an image directory being removed.</summary>
    public const string RemovePrefix = "_remove_me_";

    /// <summary>An empty file beside a volume that is still being created.</summary>
    public const string InitializingSuffix = ".initializing";

    private string DirOf(StoredVolume v)
    {
        string dir = _layout.Image(v.Image);
        return Directory.Exists(dir) || !v.Removing ? dir : Path.Combine(_layout.Images, RemovePrefix + v.Image);
    }

    private static string MetaPath(string dir, Guid volume) => Path.Combine(dir, volume + ".meta");

    private static bool IsTemplateLink(string file, Guid image)
    {
        try
        {
            var md = VolumeMetadata.Parse(File.ReadAllBytes(file + ".meta"), file + ".meta");
            return md.Image != image && md.Role == VolumeRole.SHARED;
        }
        catch (Exception e) when (e is IOException or SanpoolException)
        {
            return false;
        }
    }

    private async Task CreateLeaseAsync(string path, Guid volume, CancellationToken cancellationToken)
    {
        await using (var f = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            f.SetLength(Geometry.Alignment);
        }

        await using var device = DirectBlockDevice.Open(path);
        var disk = new LeaseDisk(device, 0, Geometry, TimeSpan.FromSeconds(Info.IoTimeout));
        await PaxosLease.InitAsync(disk, Info.Uuid.ToString(), volume.ToString(), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// RAW sparse: a sparse file of its size; RAW preallocated: fallocated by qemu-img; COW: an
    /// empty file, whose qcow2 header the operation writes once it knows the parent.
    /// </summary>
    private async Task CreateDataAsync(string path, VolumeMetadata md, long size, CancellationToken cancellationToken)
    {
        File.Delete(path);
        if (md.Format == VolumeFormat.RAW && md.Type == AllocationType.PREALLOCATED)
        {
            await _qemuImg.CreateAsync(QemuTarget.Path(path), QemuImageFormat.Raw, size, null, QemuPreallocation.Falloc, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        try
        {
            f.SetLength(md.Format == VolumeFormat.RAW ? size : 0);
        }
        catch (ArgumentOutOfRangeException)
        {
            // .NET's EFBIG: the file system's largest file is smaller (ext4 with 4 KiB blocks: 16 TiB).
            throw CommonErrors.Invalid($"a RAW volume of {size} bytes is larger than the file system under {_layout.Mount} allows for one file (EFBIG); ask for less");
        }
    }
}
