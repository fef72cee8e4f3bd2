using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.DataPath;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// Volumes of a block domain, as VDSM keeps them: an LV per volume named by its UUID, tagged
/// <c>IU_&lt;image&gt;</c>, <c>PU_&lt;parent&gt;</c>, <c>MD_&lt;slot&gt;</c> (and
/// <c>OVIRT_VOL_INITIALIZING</c> while being made), its metadata record in slot s of the
/// metadata LV (1 MiB + s x 8 KiB) and its lease at (100 + s) x alignment of the leases LV.
/// LVM sees only the domain's own devices. With no device-mapper, LVs are reached through
/// their extent maps (<see cref="LvBlockDevice"/>), and exposed to qemu as files of a FUSE
/// mount (<see cref="VolumeFileSystem"/>) under the run directory.
/// </summary>
public sealed class BlockVolumeStore : IVolumeStore
{
    public const string ImageTag = "IU_";
    public const string ParentTag = "PU_";
    public const string SlotTag = "MD_";
    public const string InitializingTag = "OVIRT_VOL_INITIALIZING";
    public const string RemovePrefix = "_remove_me_";

    private readonly LvmCommand _lvm;
    private readonly IReadOnlyList<string> _devices;
    private readonly string _vg;
    private readonly string _runDirectory;
    private LvmView? _view;
    private LvBlockDevice? _metadata;

    private BlockVolumeStore(IReadOnlyList<string> devices, DomainInfo info, string runDirectory)
    {
        _devices = devices;
        _lvm = new LvmCommand(new LvmOptions([.. devices]));
        _vg = info.Uuid.ToString();
        _runDirectory = runDirectory;
        Info = info;
        Geometry = LeaseGeometry.ForSectorSize(info.BlockSize);
    }

    public DomainInfo Info { get; }

    public string Kind => "block";

    public bool FixedSize => true;

    public LeaseGeometry Geometry { get; }

    public static async Task<IVolumeStore> OpenAsync(IReadOnlyList<string> devices, Guid domain, QemuImg qemuImg, string runDirectory, CancellationToken cancellationToken)
    {
        var info = await BlockDomain.ReadInfoAsync(devices, domain, cancellationToken).ConfigureAwait(false);
        var store = new BlockVolumeStore(devices, info, runDirectory);
        await VolumeFileSystem.CleanupStaleAsync(store.MountRoot, cancellationToken).ConfigureAwait(false);
        return store;
    }

    private string MountRoot => Path.Combine(_runDirectory, "mnt");

    public long InitialSize(VolumeFormat format, AllocationType allocation, long capacity) => (format, allocation) switch
    {
        (VolumeFormat.RAW, _) => Round(capacity),
        (VolumeFormat.COW, AllocationType.PREALLOCATED) => Round(capacity + (capacity / 10) + BlockDomainLayout.MiB),
        _ => Round(Math.Min(capacity + (capacity / 10) + BlockDomainLayout.MiB, BlockDomainLayout.ExtentSize)),
    };

    public Task<DomainMetadata> ReadDomainMetadataAsync(CancellationToken cancellationToken) =>
        BlockDomain.ReadMetadataAsync(_devices, Info.Uuid, cancellationToken);

    public Task WriteDomainMetadataAsync(DomainMetadata metadata, CancellationToken cancellationToken) =>
        BlockDomain.WriteMetadataAsync(_devices, Info.Uuid, metadata, cancellationToken);

    public async Task<IReadOnlyList<StoredVolume>> ListAsync(CancellationToken cancellationToken)
    {
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<StoredVolume>();
        foreach (var lv in view.Lvs.Values.OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            if (Guid.TryParse(lv.Name, out var volume) && ToStored(lv, volume) is { } stored)
            {
                found.Add(stored);
            }
        }

        return found;
    }

    public async Task<VolumeMetadata> ReadMetadataAsync(StoredVolume volume, CancellationToken cancellationToken)
    {
        int slot = volume.Slot ?? throw new SanpoolException(StorageErrors.MetadataInvalid, $"volume {volume}: LV has no MD_ tag");
        var md = await MetadataLvAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[Math.Max(md.SectorSize, VolumeMetadata.MaxSize)];
        await md.ReadAsync(MetadataSlots.Offset(slot), buffer, cancellationToken).ConfigureAwait(false);
        return VolumeMetadata.Parse(buffer, $"{_vg}/metadata slot {slot}");
    }

    public async Task WriteMetadataAsync(StoredVolume volume, VolumeMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int slot = volume.Slot ?? throw new SanpoolException(StorageErrors.MetadataInvalid, $"volume {volume}: LV has no MD_ tag");
        await WriteSlotAsync(slot, metadata.ToBytes(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredVolume> AllocateAsync(VolumeAllocation allocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        var used = view.Lvs.Values.Select(l => SlotOf(l.Tags)).OfType<int>();
        int slot = MetadataSlots.FirstFree(used);
        var md = allocation.Metadata;
        string name = allocation.Volume.ToString();

        long size = Round(Math.Max(allocation.StorageSize, 1));
        CheckRoom(view, allocation, size);

        // One lvcreate carries every tag, so the LV never exists without its image, parent and slot.
        string[] tags = [ImageTag + md.Image, ParentTag + md.Parent, SlotTag + slot.ToString(CultureInfo.InvariantCulture), InitializingTag];
        await _lvm.LvCreateAsync(_vg, name, size, tags, cancellationToken: cancellationToken).ConfigureAwait(false);
        _view = null;
        await WriteSlotAsync(slot, md.ToBytes(), cancellationToken).ConfigureAwait(false);
        await using (var leases = await OpenLvAsync(BlockDomainLayout.LeasesLv, false, cancellationToken).ConfigureAwait(false))
        {
            var disk = new LeaseDisk(leases, MetadataSlots.LeaseOffset(slot, Geometry.Alignment), Geometry, TimeSpan.FromSeconds(Info.IoTimeout));
            await PaxosLease.InitAsync(disk, _vg, name, null, cancellationToken).ConfigureAwait(false);
        }

        var lv = (await ViewAsync(cancellationToken).ConfigureAwait(false)).Lvs[name];
        return ToStored(lv, allocation.Volume)!;
    }

    public Task MarkReadyAsync(StoredVolume volume, CancellationToken cancellationToken) =>
        ChangeTagsAsync(volume.Volume, [], [InitializingTag], cancellationToken);

    public async Task SetParentAsync(StoredVolume volume, Guid parent, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        if (view.Lvs.TryGetValue(volume.Volume.ToString(), out var lv))
        {
            var old = lv.Tags.Where(t => t.StartsWith(ParentTag, StringComparison.Ordinal) && t != ParentTag + parent).ToList();
            await ChangeTagsAsync(volume.Volume, [ParentTag + parent], old, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<StoredVolume> ExtendAsync(StoredVolume volume, long size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (Round(size) > volume.Size)
        {
            await _lvm.LvExtendAsync(_vg, volume.Volume.ToString(), Round(size), cancellationToken).ConfigureAwait(false);
            _view = null;
        }

        var lv = (await ViewAsync(cancellationToken).ConfigureAwait(false)).Lvs[volume.Volume.ToString()];
        return ToStored(lv, volume.Volume)!;
    }

    public async Task RemoveAsync(Guid image, Guid volume, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        if (!view.Lvs.TryGetValue(volume.ToString(), out var lv))
        {
            return;
        }

        // VDSM's order: mark the LV as being removed, free its slot, then lvremove.
        var imageTags = lv.Tags.Where(t => t.StartsWith(ImageTag, StringComparison.Ordinal) && !t.StartsWith(ImageTag + RemovePrefix, StringComparison.Ordinal)).ToList();
        if (imageTags.Count > 0)
        {
            await ChangeTagsAsync(volume, [ImageTag + RemovePrefix + image], imageTags, cancellationToken).ConfigureAwait(false);
        }

        if (SlotOf(lv.Tags) is { } slot)
        {
            await WriteSlotAsync(slot, [], cancellationToken).ConfigureAwait(false);
        }

        await _lvm.LvRemoveAsync(_vg, volume.ToString(), cancellationToken).ConfigureAwait(false);
        _view = null;
    }

    public Task LinkTemplateAsync(StoredVolume template, Guid image, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<PreparedVolumes> PrepareAsync(IReadOnlyList<StoredVolume> volumes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        string mountPoint = Path.Combine(MountRoot, $"{_vg}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var fs = await VolumeFileSystem.MountAsync(mountPoint, cancellationToken).ConfigureAwait(false);
        var devices = new List<IBlockDevice>();
        try
        {
            foreach (var v in volumes)
            {
                var device = await OpenVolumeAsync(v, readOnly: false, cancellationToken).ConfigureAwait(false);
                devices.Add(device);
                fs.Add(v.Volume.ToString(), device);
            }
        }
        catch
        {
            await ReleaseAsync(fs, devices).ConfigureAwait(false);
            throw;
        }

        return new PreparedVolumes(fs.MountPoint, () => ReleaseAsync(fs, devices));
    }

    public async Task<IBlockDevice> OpenVolumeAsync(StoredVolume volume, bool readOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return await OpenLvAsync(volume.Volume.ToString(), readOnly, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IBlockDevice> OpenMasterAreaAsync(CancellationToken cancellationToken) =>
        await OpenLvAsync(BlockDomainLayout.MasterLv, false, cancellationToken).ConfigureAwait(false);

    public async Task<IBlockDevice> OpenIdsAsync(CancellationToken cancellationToken) =>
        await OpenLvAsync(BlockDomainLayout.IdsLv, false, cancellationToken).ConfigureAwait(false);

    public async Task<IBlockDevice> OpenLeasesAsync(CancellationToken cancellationToken) =>
        await OpenLvAsync(BlockDomainLayout.LeasesLv, false, cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_metadata is not null)
        {
            await _metadata.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async ValueTask ReleaseAsync(VolumeFileSystem fs, List<IBlockDevice> devices)
    {
        await fs.DisposeAsync().ConfigureAwait(false);
        foreach (var d in devices)
        {
            await d.DisposeAsync().ConfigureAwait(false);
        }
    }

    private StoredVolume? ToStored(LogicalVolume lv, Guid volume)
    {
        string? imageTag = lv.Tags.FirstOrDefault(t => t.StartsWith(ImageTag, StringComparison.Ordinal));
        if (imageTag is null)
        {
            return null;
        }

        string imageText = imageTag[ImageTag.Length..];
        bool removing = imageText.StartsWith(RemovePrefix, StringComparison.Ordinal);
        if (!Guid.TryParse(removing ? imageText[RemovePrefix.Length..] : imageText, out var image))
        {
            return null;
        }

        string? parentTag = lv.Tags.FirstOrDefault(t => t.StartsWith(ParentTag, StringComparison.Ordinal));
        return new StoredVolume(image, volume, lv.Size, lv.Size)
        {
            TagParent = parentTag is not null && Guid.TryParse(parentTag[ParentTag.Length..], out var p) ? p : null,
            Slot = SlotOf(lv.Tags),
            Initializing = lv.Tags.Contains(InitializingTag),
            Removing = removing,
        };
    }

    /// <summary>
    /// VG_FULL before lvcreate, in bytes: lvcreate would fail too, but only in extents and
    /// after the command line. Only the SPM allocates, so the free count cannot shrink between.
    /// </summary>
    private void CheckRoom(LvmView view, VolumeAllocation allocation, long size)
    {
        long free = view.Pvs.Sum(p => p.PeCount - p.PeAllocCount) * view.ExtentSize;
        if (size > free)
        {
            var md = allocation.Metadata;
            throw new SanpoolException(LvmErrors.VgFull,
                $"domain {_vg} has {Human(free)} free ({Extents(free, view)}), but volume {allocation.Volume} " +
                $"({md.Type} {md.Format}, capacity {Human(md.Capacity)}) needs {Human(size)} ({Extents(size, view)}); " +
                "extend the domain (sanpool domain extend) or ask for less");
        }
    }

    private static string Extents(long bytes, LvmView view) => bytes == view.ExtentSize ? "1 extent" : $"{bytes / view.ExtentSize} extents";

    /// <summary>Exact and short: "6 GiB", "5248 MiB", or bytes.</summary>
    private static string Human(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";

    private static int? SlotOf(IEnumerable<string> tags) =>
        tags.FirstOrDefault(t => t.StartsWith(SlotTag, StringComparison.Ordinal)) is { } t
        && int.TryParse(t.AsSpan(SlotTag.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int slot) ? slot : null;

    private async Task WriteSlotAsync(int slot, byte[] record, CancellationToken cancellationToken)
    {
        var md = await MetadataLvAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[Math.Max(md.SectorSize, VolumeMetadata.MaxSize)];
        record.CopyTo(buffer, 0);
        await md.WriteAsync(MetadataSlots.Offset(slot), buffer, cancellationToken).ConfigureAwait(false);
    }

    private async Task ChangeTagsAsync(Guid volume, IReadOnlyCollection<string> add, IReadOnlyCollection<string> delete, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        if (!view.Lvs.TryGetValue(volume.ToString(), out var lv))
        {
            return;
        }

        var toAdd = add.Where(t => !lv.Tags.Contains(t)).ToList();
        var toDelete = delete.Where(lv.Tags.Contains).ToList();
        if (toAdd.Count + toDelete.Count > 0)
        {
            await _lvm.LvChangeTagsAsync(_vg, volume.ToString(), toAdd, toDelete, cancellationToken).ConfigureAwait(false);
            _view = null;
        }
    }

    private async Task<LvBlockDevice> MetadataLvAsync(CancellationToken cancellationToken) =>
        _metadata ??= await OpenLvAsync(BlockDomainLayout.MetadataLv, false, cancellationToken).ConfigureAwait(false);

    private async Task<LvBlockDevice> OpenLvAsync(string name, bool readOnly, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        if (!view.Lvs.TryGetValue(name, out var lv))
        {
            throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {_vg}/{name}");
        }

        return LvBlockDevice.Open(LvByteMap.Create(lv, view.ExtentSize, view.Pvs), _vg, readOnly);
    }

    private async Task<LvmView> ViewAsync(CancellationToken cancellationToken)
    {
        if (_view is null)
        {
            var vg = (await _lvm.VgsAsync(_vg, cancellationToken).ConfigureAwait(false)).Single();
            var pvs = (await _lvm.PvsAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.VgName == _vg).ToList();
            var lvs = await _lvm.LvsAsync(_vg, cancellationToken: cancellationToken).ConfigureAwait(false);
            _view = new LvmView(vg.ExtentSize, pvs, lvs.ToDictionary(l => l.Name, StringComparer.Ordinal));
        }

        return _view;
    }

    private static long Round(long bytes) => (bytes + BlockDomainLayout.ExtentSize - 1) / BlockDomainLayout.ExtentSize * BlockDomainLayout.ExtentSize;

    /// <summary>One lvs/pvs/vgs report of the domain, dropped after every change LVM makes.</summary>
    private sealed record LvmView(long ExtentSize, IReadOnlyList<PhysicalVolume> Pvs, Dictionary<string, LogicalVolume> Lvs);
}
