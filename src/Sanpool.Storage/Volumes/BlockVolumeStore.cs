using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
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
/// their extent maps (<see cref="LvBlockDevice"/>), and exposed to qemu-img as files by the
/// host's data path (<see cref="IDeviceFiles"/>: Sanpool.DataPath's FUSE mount) under the run
/// directory. A VM's volumes are served by the host's data path from <see cref="LvOf"/>.
/// </summary>
public sealed class BlockVolumeStore : IVolumeStore
{
    public const string ImageTag = "IU_";
    public const string ParentTag = "PU_";
    public const string SlotTag = "MD_";
    public const string InitializingTag = "OVIRT_VOL_INITIALIZING";
    public const string RemovePrefix = "_remove_me_";

    /// <summary>How much <see cref="ZeroAsync"/> zeroes between fence checks and progress reports: 256 MiB, two extents.</summary>
    public const long ZeroPiece = 256L * 1024 * 1024;

    /// <summary>The longest read <see cref="ReadRecordsAsync"/> makes of the metadata LV: 128 slots.</summary>
    public const int MetadataRunBytes = 1024 * 1024;

    private readonly LvmCommand _lvm;
    private readonly IReadOnlyList<string> _devices;
    private readonly string _vg;
    private readonly string _runDirectory;
    private readonly IDeviceFiles? _files;
    private readonly SemaphoreSlim _changes = new(1, 1);

    /// <summary>
    /// Metadata slots this store has handed to new volumes, guarded by its own lock: a slot
    /// counts as used from the moment it is chosen, before the lvcreate that tags it lands, so
    /// two allocations running at once never pick one slot. Freed when the volume is removed
    /// (or its creation fails), forgotten on <see cref="Refresh"/>, when the LVs' tags are read
    /// afresh anyway.
    /// </summary>
    private readonly HashSet<int> _claimedSlots = [];
    private readonly Lock _slotLock = new();
    private volatile LvmView? _view;
    private VolumeGroup? _openedVg;
    private LvBlockDevice? _metadata;

    private BlockVolumeStore(IReadOnlyList<string> devices, DomainInfo info, VolumeGroup vg, string runDirectory, IDeviceFiles? files)
    {
        _files = files;
        _devices = devices;
        _lvm = new LvmCommand(new LvmOptions([.. devices]));
        _openedVg = vg;
        _vg = info.Uuid.ToString();
        _runDirectory = runDirectory;
        Info = info;
        Geometry = LeaseGeometry.ForSectorSize(info.BlockSize);
    }

    public DomainInfo Info { get; }

    public string Kind => "block";

    public bool FixedSize => true;

    public LeaseGeometry Geometry { get; }

    /// <param name="files">How LVs are shown to qemu-img as files (<see cref="PrepareAsync"/>); null where nothing here runs qemu-img on them.</param>
    public static async Task<IDomainManifest> OpenAsync(IReadOnlyList<string> devices, Guid domain, QemuImg qemuImg, string runDirectory, IDeviceFiles? files, CancellationToken cancellationToken)
    {
        var (info, vg) = await BlockDomain.ReadInfoAndVgAsync(devices, domain, cancellationToken).ConfigureAwait(false);
        var store = new BlockVolumeStore(devices, info, vg, runDirectory, files);
        if (files is not null)
        {
            await files.CleanupStaleAsync(store.MountRoot, cancellationToken).ConfigureAwait(false);
        }

        return store;
    }

    private string MountRoot => Path.Combine(_runDirectory, "mnt");

    public long InitialSize(VolumeFormat format, AllocationType allocation, long capacity) => (format, allocation) switch
    {
        (VolumeFormat.RAW, _) => Round(capacity),
        (VolumeFormat.COW, AllocationType.PREALLOCATED) => Round(CowSize(capacity)),
        _ => Round(Math.Min(CowSize(capacity), BlockDomainLayout.ExtentSize)),
    };

    /// <summary>
    /// What a fully allocated qcow2 of <paramref name="capacity"/> needs before rounding to extents
    /// (VDSM: capacity x 1.1 + 1 MiB): a preallocated COW volume's size, and the most a thin one grows to.
    /// </summary>
    public static long CowSize(long capacity) => capacity + (capacity / 10) + BlockDomainLayout.MiB;

    public Action? WriteFence { get; set; }

    /// <summary>Every change below asks the writer's fence first: a writer whose lease is gone changes nothing, not even in a rollback.</summary>
    private void Fenced() => WriteFence?.Invoke();

    /// <remarks>
    /// The claimed slots stay: an allocation may have claimed one and not yet run the lvcreate
    /// that tags it. Were they forgotten here, a second allocation reading the fresh report
    /// before that LV exists would pick the same slot:
    /// <code>
    /// create A: claims slot 7 ........................ lvcreate MD_7 ... writes slot 7
    /// image.prepare on this host:   Refresh()
    /// create B:                         reads lvs (no MD_7 yet), claims 7, lvcreate MD_7, writes slot 7
    /// </code>
    /// </remarks>
    public void Refresh()
    {
        _view = null;
        _openedVg = null;
    }

    public void BeginWriterTerm()
    {
        Refresh();
        lock (_slotLock)
        {
            _claimedSlots.Clear();
        }
    }

    public async Task<DomainSpace> ReadSpaceAsync(CancellationToken cancellationToken)
    {
        var vg = (await _lvm.VgsAsync(_vg, cancellationToken).ConfigureAwait(false)).Single();
        return new DomainSpace(vg.Size, vg.Free);
    }

    public Task<DomainMetadata> ReadDomainMetadataAsync(CancellationToken cancellationToken) =>
        BlockDomain.ReadMetadataAsync(_devices, Info.Uuid, cancellationToken);

    public Task WriteDomainMetadataAsync(DomainMetadata metadata, CancellationToken cancellationToken)
    {
        Fenced();
        return BlockDomain.WriteMetadataAsync(_devices, Info.Uuid, metadata, cancellationToken);
    }

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
        var buffer = new byte[SlotReadLength(md)];
        await md.ReadAsync(MetadataSlots.Offset(slot), buffer, cancellationToken).ConfigureAwait(false);
        return VolumeMetadata.Parse(buffer, SlotName(slot));
    }

    /// <summary>
    /// The records of many volumes at once: the slots they name are read in runs of up to
    /// <see cref="MetadataRunBytes"/> (128 slots) instead of one direct read each, which for a
    /// domain of a thousand volumes makes a thousand reads about eight. Each slot's bytes are
    /// the ones <see cref="ReadMetadataAsync"/> reads and are parsed the same way; a volume with
    /// no slot, or whose run could not be read, is read on its own, so it gets the error its
    /// own read gives.
    /// </summary>
    public async Task<IReadOnlyList<VolumeRecord>> ReadRecordsAsync(IReadOnlyList<StoredVolume> volumes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var slots = await ReadSlotRunsAsync(volumes.Select(v => v.Slot).OfType<int>(), cancellationToken).ConfigureAwait(false);
        var records = new List<VolumeRecord>(volumes.Count);
        foreach (var volume in volumes)
        {
            try
            {
                var metadata = volume.Slot is { } slot && slots.TryGetValue(slot, out var bytes)
                    ? VolumeMetadata.Parse(bytes.Span, SlotName(slot))
                    : await ReadMetadataAsync(volume, cancellationToken).ConfigureAwait(false);
                records.Add(new VolumeRecord(volume, metadata, null));
            }
            catch (SanpoolException e)
            {
                records.Add(new VolumeRecord(volume, null, e.Message));
            }
        }

        return records;
    }

    public async Task WriteMetadataAsync(StoredVolume volume, VolumeMetadata metadata, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(metadata);
        int slot = volume.Slot ?? throw new SanpoolException(StorageErrors.MetadataInvalid, $"volume {volume}: LV has no MD_ tag");
        await WriteSlotAsync(slot, metadata.ToBytes(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredVolume> AllocateAsync(VolumeAllocation allocation, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(allocation);
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        var md = allocation.Metadata;
        string name = allocation.Volume.ToString();
        long size = Round(Math.Max(allocation.StorageSize, 1));
        CheckRoom(view, allocation, size);
        int slot;
        lock (_slotLock)
        {
            slot = MetadataSlots.FirstFree(view.Lvs.Values.Select(l => SlotOf(l.Tags)).OfType<int>().Concat(_claimedSlots));
            _claimedSlots.Add(slot);
        }

        // One lvcreate carries every tag, so the LV never exists without its image, parent and slot.
        string[] tags = [ImageTag + md.Image, ParentTag + md.Parent, SlotTag + slot.ToString(CultureInfo.InvariantCulture), InitializingTag];
        try
        {
            await ChangeAsync(() => _lvm.LvCreateAsync(_vg, name, size, tags, cancellationToken: cancellationToken),
                view => ReadLvAsync(view, name, cancellationToken)).ConfigureAwait(false);
        }
        catch
        {
            lock (_slotLock)
            {
                _claimedSlots.Remove(slot);
            }

            throw;
        }

        await WriteSlotAsync(slot, md.ToBytes(), cancellationToken).ConfigureAwait(false);
        await using (var leases = await OpenLvAsync(BlockDomainLayout.LeasesLv, false, cancellationToken).ConfigureAwait(false))
        {
            var disk = new LeaseDisk(leases, MetadataSlots.LeaseOffset(slot, Geometry.Alignment), Geometry, TimeSpan.FromSeconds(Info.IoTimeout));
            await PaxosLease.InitAsync(disk, _vg, name, null, cancellationToken).ConfigureAwait(false);
        }

        var lv = (await ViewAsync(cancellationToken).ConfigureAwait(false)).Lvs[name];
        return ToStored(lv, allocation.Volume)!;
    }

    public Task MarkReadyAsync(StoredVolume volume, CancellationToken cancellationToken)
    {
        Fenced();
        return ChangeTagsAsync(volume.Volume, [], [InitializingTag], cancellationToken);
    }

    public async Task SetParentAsync(StoredVolume volume, Guid parent, CancellationToken cancellationToken)
    {
        Fenced();
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        if (view.Lvs.TryGetValue(volume.Volume.ToString(), out var lv))
        {
            var old = lv.Tags.Where(t => t.StartsWith(ParentTag, StringComparison.Ordinal) && t != ParentTag + parent).ToList();
            await ChangeTagsAsync(volume.Volume, [ParentTag + parent], old, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <remarks>
    /// The new extents are not zeroed, though they may hold a deleted volume's data: only qcow2
    /// volumes are ever extended (thin growth, a merge's base; a RAW LV holds its capacity from
    /// the start), and qcow2 shows a guest only clusters it allocated, each written in full when
    /// allocated (the part the guest did not write comes from the backing file or is zeros).
    /// Bytes past the highest allocated cluster are read by no one: not the guest, and no probe
    /// (it reads the header at the start).
    /// </remarks>
    public async Task<StoredVolume> ExtendAsync(StoredVolume volume, long size, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(volume);
        if (Round(size) > volume.Size)
        {
            string name = volume.Volume.ToString();
            await ChangeAsync(() => _lvm.LvExtendAsync(_vg, name, Round(size), cancellationToken), view => ReadLvAsync(view, name, cancellationToken))
                .ConfigureAwait(false);
        }

        var lv = (await ViewAsync(cancellationToken).ConfigureAwait(false)).Lvs[volume.Volume.ToString()];
        return ToStored(lv, volume.Volume)!;
    }

    public async Task ZeroAsync(StoredVolume volume, long offset, long length, Action<double>? progress, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(volume);
        await using var lv = await OpenLvAsync(volume.Volume.ToString(), readOnly: false, cancellationToken).ConfigureAwait(false);
        long end = Math.Min(lv.Size, offset + length);
        for (long at = offset; at < end; at += ZeroPiece)
        {
            // A piece is not cancellable once issued; between pieces, a writer that lost its lease stops.
            cancellationToken.ThrowIfCancellationRequested();
            Fenced();
            await lv.ZeroAsync(at, Math.Min(ZeroPiece, end - at), cancellationToken).ConfigureAwait(false);
            progress?.Invoke(100.0 * (Math.Min(at + ZeroPiece, end) - offset) / Math.Max(1, end - offset));
        }

        await lv.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DiscardAsync(StoredVolume volume, CancellationToken cancellationToken)
    {
        Fenced();
        ArgumentNullException.ThrowIfNull(volume);
        await using var lv = await OpenLvAsync(volume.Volume.ToString(), readOnly: false, cancellationToken).ConfigureAwait(false);
        return await lv.DiscardAsync(0, lv.Size, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(Guid image, Guid volume, CancellationToken cancellationToken)
    {
        Fenced();
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

        await ChangeAsync(() => _lvm.LvRemoveAsync(_vg, volume.ToString(), cancellationToken), view =>
        {
            view.Lvs.TryRemove(volume.ToString(), out _);
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        if (SlotOf(lv.Tags) is { } freed)
        {
            lock (_slotLock)
            {
                _claimedSlots.Remove(freed);
            }
        }
    }

    public Task LinkTemplateAsync(StoredVolume template, Guid image, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<PreparedVolumes> PrepareAsync(IReadOnlyList<StoredVolume> volumes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var files = _files ?? throw new InvalidOperationException(
            $"block domain {_vg} was opened without a data path to show its LVs to qemu-img as files (DomainLocator.Files)");
        string directory = Path.Combine(MountRoot, $"{_vg}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var devices = new List<KeyValuePair<string, IBlockDevice>>();
        var fence = WriteFence;
        PreparedVolumes exposed;
        try
        {
            foreach (var v in volumes)
            {
                var device = await OpenVolumeAsync(v, readOnly: false, cancellationToken).ConfigureAwait(false);
                if (fence is not null)
                {
                    device = new FencedBlockDevice(device, fence);
                }

                devices.Add(new(v.Volume.ToString(), device));
            }

            exposed = await files.ExposeAsync(directory, devices, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAsync(null, devices).ConfigureAwait(false);
            throw;
        }

        return new PreparedVolumes(exposed.Directory, () => ReleaseAsync(exposed, devices));
    }

    public LvLocation? LvOf(StoredVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return new LvLocation(_lvm, _vg, volume.Volume.ToString());
    }

    public string? FilePathOf(StoredVolume volume) => null;

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

    public async Task<IBlockDevice> OpenMailboxAsync(Mailbox.MailboxArea area, CancellationToken cancellationToken) =>
        await OpenLvAsync(
            area == Mailbox.MailboxArea.Inbox ? BlockDomainLayout.InboxLv : BlockDomainLayout.OutboxLv,
            false,
            cancellationToken,
            sync: false).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_metadata is not null)
        {
            await _metadata.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes the files away first (nothing reaches the devices through them after), then closes the devices.</summary>
    private static async ValueTask ReleaseAsync(PreparedVolumes? exposed, List<KeyValuePair<string, IBlockDevice>> devices)
    {
        if (exposed is not null)
        {
            await exposed.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var (_, device) in devices)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static StoredVolume? ToStored(LogicalVolume lv, Guid volume)
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
    /// Free space is counted from the LVs' segments, which the cached view keeps up to date
    /// with this store's own creates, extends and removes (the PVs' allocation counts are not).
    /// </summary>
    private void CheckRoom(LvmView view, VolumeAllocation allocation, long size)
    {
        long used = view.Lvs.Values.Sum(lv => lv.Segments.Sum(seg => seg.ExtentCount));
        long free = (view.Pvs.Sum(p => p.PeCount) - used) * view.ExtentSize;
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

    /// <summary>
    /// The bytes of each of <paramref name="slots"/> that could be read in runs; slots of a run
    /// that failed (or all, if the metadata LV cannot be opened) are missing, to be read singly.
    /// </summary>
    private async Task<Dictionary<int, ReadOnlyMemory<byte>>> ReadSlotRunsAsync(IEnumerable<int> slots, CancellationToken cancellationToken)
    {
        var found = new Dictionary<int, ReadOnlyMemory<byte>>();
        int[] sorted = [.. slots.Where(s => s >= MetadataSlots.FirstSlot).Distinct().Order()];
        if (sorted.Length == 0)
        {
            return found;
        }

        try
        {
            var md = await MetadataLvAsync(cancellationToken).ConfigureAwait(false);
            int length = SlotReadLength(md);
            foreach (var run in SlotRuns(sorted, length))
            {
                long start = MetadataSlots.Offset(run[0]);
                var buffer = new byte[MetadataSlots.Offset(run[^1]) + length - start];
                if (await TryReadAsync(md, start, buffer, cancellationToken).ConfigureAwait(false))
                {
                    foreach (int slot in run)
                    {
                        found[slot] = buffer.AsMemory(checked((int)(MetadataSlots.Offset(slot) - start)), length);
                    }
                }
            }
        }
        catch (SanpoolException)
        {
            // No metadata LV to read: every volume's own read reports it.
        }

        return found;
    }

    /// <summary>Sorted slots cut into runs whose reads (first slot to the end of the last) span at most <see cref="MetadataRunBytes"/>.</summary>
    private static List<List<int>> SlotRuns(int[] sorted, int length)
    {
        var runs = new List<List<int>>();
        foreach (int slot in sorted)
        {
            if (runs.Count == 0 || MetadataSlots.Offset(slot) + length - MetadataSlots.Offset(runs[^1][0]) > MetadataRunBytes)
            {
                runs.Add([]);
            }

            runs[^1].Add(slot);
        }

        return runs;
    }

    private static async Task<bool> TryReadAsync(LvBlockDevice device, long offset, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await device.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SanpoolException)
        {
            return false;
        }
    }

    /// <summary>What one slot read takes: a whole sector, at least a record's 512 bytes.</summary>
    private static int SlotReadLength(LvBlockDevice metadataLv) => Math.Max(metadataLv.SectorSize, VolumeMetadata.MaxSize);

    private string SlotName(int slot) => $"{_vg}/metadata slot {slot}";

    private async Task WriteSlotAsync(int slot, byte[] record, CancellationToken cancellationToken)
    {
        var md = await MetadataLvAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[SlotReadLength(md)];
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
            // lvs lists an LV's tags sorted (strcmp), each once.
            ImmutableArray<string> tags = [.. lv.Tags.Except(toDelete, StringComparer.Ordinal).Union(toAdd, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            await ChangeAsync(() => _lvm.LvChangeTagsAsync(_vg, volume.ToString(), toAdd, toDelete, cancellationToken), v =>
            {
                v.Lvs[lv.Name] = lv with { Tags = tags };
                return Task.CompletedTask;
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs one LVM change and brings the cached report up to date with what it did, instead of
    /// reading vgs, pvs and lvs of the whole VG again: this store is the VG's one writer (the SPM),
    /// so nothing else changed it in between. If lvm fails, the report is dropped, since the
    /// change may have been made in part; the next look reads everything again.
    /// </summary>
    /// <remarks>
    /// Changes are made one at a time: the SPM's tasks and its mailbox extensions share this
    /// store, and a change's update of the cached report must not interleave with another's
    /// (LVM takes the VG lock per command anyway, so nothing is lost by waiting here).
    /// </remarks>
    private async Task ChangeAsync(Func<Task> change, Func<LvmView, Task> update)
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            try
            {
                await change().ConfigureAwait(false);
            }
            catch
            {
                _view = null;
                throw;
            }

            if (_view is { } view)
            {
                await update(view).ConfigureAwait(false);
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// Reads one LV's report (after lvcreate or lvextend placed its extents) into the cached
    /// view. The view stays dropped if that fails, or if the LV lies on a PV the view does not
    /// know (the domain was extended meanwhile): then everything is read again.
    /// </summary>
    private async Task ReadLvAsync(LvmView view, string name, CancellationToken cancellationToken)
    {
        _view = null;
        var lv = (await _lvm.LvsAsync(_vg, name, cancellationToken).ConfigureAwait(false)).Single();
        if (lv.Segments.All(s => view.Pvs.Any(p => p.Name == s.PvName)))
        {
            view.Lvs[name] = lv;
            _view = view;
        }
    }

    private async Task<LvBlockDevice> MetadataLvAsync(CancellationToken cancellationToken) =>
        _metadata ??= await OpenLvAsync(BlockDomainLayout.MetadataLv, false, cancellationToken).ConfigureAwait(false);

    private async Task<LvBlockDevice> OpenLvAsync(string name, bool readOnly, CancellationToken cancellationToken, bool sync = true)
    {
        var view = await ViewAsync(cancellationToken).ConfigureAwait(false);
        if (!view.Lvs.TryGetValue(name, out var lv))
        {
            throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {_vg}/{name}");
        }

        return LvBlockDevice.Open(_lvm, _vg, lv, view.ExtentSize, view.Pvs, readOnly, sync);
    }

    private async Task<LvmView> ViewAsync(CancellationToken cancellationToken)
    {
        if (_view is { } cached)
        {
            return cached;
        }

        // Read under the change lock: a report read while a change lands, and published after
        // it, would lack that change (an LV just created, its slot tag with it).
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _view ?? await ReadViewAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _changes.Release();
        }
    }

    private async Task<LvmView> ReadViewAsync(CancellationToken cancellationToken)
    {
        // The first look uses the vgs report that opened the domain, moments ago.
        var vg = _openedVg ?? (await _lvm.VgsAsync(_vg, cancellationToken).ConfigureAwait(false)).Single();
        _openedVg = null;
        // pvs and lvs are independent reports (LVM lets readers share the VG lock): run both at once.
        var pvsRun = _lvm.PvsAsync(cancellationToken);
        var lvsRun = _lvm.LvsAsync(_vg, cancellationToken: cancellationToken);
        await Task.WhenAll(pvsRun, lvsRun).ConfigureAwait(false);
        var pvs = (await pvsRun.ConfigureAwait(false)).Where(p => p.VgName == _vg).ToList();
        var lvs = await lvsRun.ConfigureAwait(false);
        var view = new LvmView(vg.ExtentSize, pvs, new ConcurrentDictionary<string, LogicalVolume>(lvs.Select(l => KeyValuePair.Create(l.Name, l)), StringComparer.Ordinal));
        _view = view;
        return view;
    }

    private static long Round(long bytes) => (bytes + BlockDomainLayout.ExtentSize - 1) / BlockDomainLayout.ExtentSize * BlockDomainLayout.ExtentSize;

    /// <summary>One lvs/pvs/vgs report of the domain, kept up to date with this store's own changes (<see cref="ChangeAsync"/>).</summary>
    private sealed record LvmView(long ExtentSize, IReadOnlyList<PhysicalVolume> Pvs, ConcurrentDictionary<string, LogicalVolume> Lvs);
}
