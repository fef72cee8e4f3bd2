using System.Globalization;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Domains;

/// <summary>
/// Block domains (iSCSI, FC): one LVM VG per domain on shared LUNs, in VDSM's layout
/// (<see cref="BlockDomainLayout"/>), the domain metadata in the VG's MDT_ tags. A domain is
/// found only through the devices the caller names; LVM is shown exactly those.
/// <para>
/// Creation is marked by the VG tag: the VG is created with RHAT_storage_domain_UNREADY, the
/// special LVs are made and their leases written, and one last vgchange adds the metadata
/// tags and swaps UNREADY for RHAT_storage_domain. LVM commits a vgchange as one metadata
/// write, so a VG either has both the metadata and the ready tag or neither:
/// </para>
/// <code>
///  pvcreate  vgcreate(+UNREADY)  lvcreate x7  zero, ids, SDM   vgchange(+MDT_*, +READY, -UNREADY)
///  |-------- a crash anywhere here leaves an UNREADY VG ---------|---- a complete domain ----
/// </code>
/// <para>
/// A crash leaves an UNREADY VG that reads as DOMAIN_INCOMPLETE; creating the same UUID on
/// the same devices removes it and builds again. No step needs device-mapper: LVs are never
/// activated, and their bytes are written through <see cref="LvBlockDevice"/>.
/// </para>
/// </summary>
public static class BlockDomain
{
    /// <summary>
    /// TYPE for a block domain. VDSM knows two, FCP and ISCSI, and treats them alike on the
    /// host (the difference is how the manager connects the LUNs); a LUN of unknown transport
    /// is recorded as ISCSI.
    /// </summary>
    public const string DomainType = "ISCSI";

    public const string VgUuidKey = "VGUUID";

    /// <summary>
    /// Creates a block domain on <paramref name="devices"/> (the first holds the VG metadata and
    /// the metadata LV). Everything is checked before the first change: the devices' sector
    /// size, their capacity, and that none belongs to another VG.
    /// </summary>
    /// <exception cref="SanpoolException">INVALID_ARGUMENT, BAD_GEOMETRY, OPEN_FAILED, SECTOR_SIZE_MISMATCH,
    /// TOO_SMALL, DEVICE_IN_USE, DOMAIN_EXISTS; LVM_* if lvm fails on the way.</exception>
    public static Task<DomainInfo> CreateAsync(IReadOnlyList<string> devices, Guid uuid, string description, int sectorSize, CancellationToken cancellationToken) =>
        CreateAsync(devices, uuid, description, sectorSize, DomainDefaults.IoTimeout, cancellationToken);

    /// <param name="ioTimeout">The lockspace's io_timeout (IOOPTIMEOUTSEC); every lease delay derives from it.</param>
    public static async Task<DomainInfo> CreateAsync(IReadOnlyList<string> devices, Guid uuid, string description, int sectorSize, int ioTimeout, CancellationToken cancellationToken)
    {
        var devs = BlockDomainDevices.Check(devices);
        DomainDefaults.CheckDescription(description);
        if (uuid == Guid.Empty)
        {
            throw CommonErrors.Invalid("the domain UUID must not be all zeros");
        }

        var geometry = LeaseGeometry.ForSectorSize(sectorSize);
        var sizes = await BlockDomainDevices.CheckSectorSizesAsync(devs, sectorSize).ConfigureAwait(false);
        var lvm = Command(devs);
        string vg = uuid.ToString();
        bool incomplete = await IsIncompleteAsync(lvm, vg, cancellationToken).ConfigureAwait(false);
        BlockDomainDevices.CheckCapacity(devs, sizes, geometry.Alignment);
        if (incomplete)
        {
            await lvm.VgRemoveAsync(vg, cancellationToken).ConfigureAwait(false);
        }

        // VDSM's PVs: two 128 MiB metadata areas each, used on the first PV only.
        await lvm.PvCreateAsync(devs, BlockDomainLayout.PvMetadataAreaSize, ignoreMetadata: true, cancellationToken).ConfigureAwait(false);
        await lvm.PvSetMetadataIgnoreAsync(devs[0], ignore: false, cancellationToken).ConfigureAwait(false);
        await lvm.VgCreateAsync(vg, devs, BlockDomainLayout.ExtentSize, [BlockDomainLayout.UnreadyTag], cancellationToken).ConfigureAwait(false);
        try
        {
            await BuildAsync(lvm, devs[0], uuid, description, geometry, ioTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Leave the devices as free PVs rather than an UNREADY VG if lvm still answers; if
            // it does not, the UNREADY VG is what the next create of this UUID removes.
            await TryRemoveAsync(lvm, vg).ConfigureAwait(false);
            throw;
        }

        return await ReadInfoAsync(devs, uuid, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds <paramref name="newDevice"/> to the domain: pvcreate, vgextend, and a PVn line for
    /// it in the re-sealed metadata. If an earlier extend stopped after vgextend, this one
    /// finishes it (the PV is in the VG but not in the metadata).
    /// </summary>
    /// <param name="domainDevices">The domain's devices (at least the first PV, which holds the VG metadata).</param>
    public static async Task<DomainInfo> ExtendAsync(IReadOnlyList<string> domainDevices, Guid uuid, string newDevice, CancellationToken cancellationToken)
    {
        var devs = BlockDomainDevices.Check(domainDevices);
        LvmNames.CheckDevice(newDevice);
        if (devs.Any(d => BlockDomainDevices.Same(d, newDevice)))
        {
            throw CommonErrors.Invalid($"{newDevice} is given both as a domain device and as the device to add");
        }

        var all = BlockDomainDevices.Check([.. devs, newDevice]);
        var lvm = Command(all);
        string vg = uuid.ToString();
        var group = await ReadyVgAsync(lvm, uuid, cancellationToken).ConfigureAwait(false);
        var md = Parse(group, uuid);
        var mapping = PvMappings(md);
        int sectorSize = int.Parse(md["BLOCK_SIZE"] ?? "512", CultureInfo.InvariantCulture);
        await BlockDomainDevices.CheckSectorSizesAsync([newDevice], sectorSize).ConfigureAwait(false);

        var pvs = await lvm.PvsAsync(cancellationToken).ConfigureAwait(false);
        var pv = pvs.FirstOrDefault(p => BlockDomainDevices.Same(p.Name, newDevice));
        if (pv is not null && pv.VgName == vg && mapping.Any(m => m.Uuid == pv.Uuid))
        {
            throw CommonErrors.Invalid($"{newDevice} is already PV {pv.Uuid} of domain {uuid}");
        }

        if (pv is null || pv.VgName != vg)
        {
            // Only the device being added must be free: the caller may see other domains' LUNs
            // too (the SPM passes every device its host sees), and those are not ours to judge.
            BlockDomainDevices.CheckNotInOtherVg(pv is null ? [] : [pv], vg);
            if (group.PvCount >= BlockDomainLayout.MaxPvs)
            {
                throw CommonErrors.Invalid($"domain {uuid} has {group.PvCount} PVs, the most a domain may have");
            }

            await lvm.PvCreateAsync([newDevice], BlockDomainLayout.PvMetadataAreaSize, ignoreMetadata: true, cancellationToken).ConfigureAwait(false);
            await lvm.VgExtendAsync(vg, [newDevice], cancellationToken).ConfigureAwait(false);
            pvs = await lvm.PvsAsync(cancellationToken).ConfigureAwait(false);
        }

        var updated = WithPvMappings(md, Extend(mapping, pvs.Where(p => p.VgName == vg)));
        await WriteTagsAsync(lvm, group, updated, [], [], cancellationToken).ConfigureAwait(false);
        return DomainInfo.From(updated);
    }

    /// <summary>True when both paths name the same device (after following symlinks such as /dev/disk/by-id).</summary>
    public static bool IsSameDevice(string a, string b) => BlockDomainDevices.Same(a, b);

    /// <summary>Reads and verifies a block domain's metadata, as <see cref="DomainInfo"/>.</summary>
    public static async Task<DomainInfo> ReadInfoAsync(IReadOnlyList<string> devices, Guid uuid, CancellationToken cancellationToken) =>
        (await ReadInfoAndVgAsync(devices, uuid, cancellationToken).ConfigureAwait(false)).Info;

    /// <summary>
    /// <see cref="ReadInfoAsync"/>, and the VG as the same vgs report gave it: a volume store
    /// needs the VG's extent size, and need not run that report twice.
    /// </summary>
    internal static async Task<(DomainInfo Info, VolumeGroup Vg)> ReadInfoAndVgAsync(IReadOnlyList<string> devices, Guid uuid, CancellationToken cancellationToken)
    {
        var lvm = Command(BlockDomainDevices.Check(devices));
        var group = await ReadyVgAsync(lvm, uuid, cancellationToken).ConfigureAwait(false);
        return (DomainInfo.From(Parse(group, uuid)), group);
    }

    /// <summary>
    /// The domain's whole metadata from its MDT_ tags, seal verified.
    /// </summary>
    /// <exception cref="SanpoolException">DOMAIN_NOT_FOUND (no such VG among the devices, or a VG that is
    /// not a domain), DOMAIN_INCOMPLETE (creation never finished), METADATA_SEAL_BROKEN, METADATA_INVALID.</exception>
    public static async Task<DomainMetadata> ReadMetadataAsync(IReadOnlyList<string> devices, Guid uuid, CancellationToken cancellationToken)
    {
        var lvm = Command(BlockDomainDevices.Check(devices));
        return Parse(await ReadyVgAsync(lvm, uuid, cancellationToken).ConfigureAwait(false), uuid);
    }

    /// <summary>
    /// Replaces the domain's metadata with <paramref name="metadata"/>, sealed anew, in one
    /// vgchange (old lines deleted and new ones added in a single LVM metadata commit, so a
    /// reader sees the old set or the new one). Only the SPM may call this: the VG is not locked.
    /// </summary>
    public static async Task WriteMetadataAsync(IReadOnlyList<string> devices, Guid uuid, DomainMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata["SDUUID"] != uuid.ToString())
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"the metadata is for domain {metadata["SDUUID"]}, not {uuid}");
        }

        var lvm = Command(BlockDomainDevices.Check(devices));
        var group = await ReadyVgAsync(lvm, uuid, cancellationToken).ConfigureAwait(false);
        await WriteTagsAsync(lvm, group, metadata, [], [], cancellationToken).ConfigureAwait(false);
    }

    private static async Task BuildAsync(LvmCommand lvm, string firstDevice, Guid uuid, string description, LeaseGeometry g, int ioTimeout, CancellationToken cancellationToken)
    {
        string vg = uuid.ToString();
        foreach (var lv in BlockDomainLayout.SpecialLvs)
        {
            // The metadata LV first and only on the first PV: it gets that PV's extent 0,
            // where VDSM requires it (its PV mapping numbers the metadata PV 0).
            bool metadata = lv == BlockDomainLayout.MetadataLv;
            await lvm.LvCreateAsync(vg, lv, BlockDomainLayout.SizeOf(lv, g.Alignment), [],
                onPvs: metadata ? [firstDevice] : null, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var group = (await lvm.VgsAsync(vg, cancellationToken).ConfigureAwait(false)).Single();
        var pvs = (await lvm.PvsAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.VgName == vg).ToList();
        var lvs = (await lvm.LvsAsync(vg, cancellationToken: cancellationToken).ConfigureAwait(false)).ToDictionary(l => l.Name, StringComparer.Ordinal);
        var first = lvs[BlockDomainLayout.MetadataLv].Segments[0];
        if (first.PvStart != 0 || !BlockDomainDevices.Same(first.PvName, firstDevice))
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid,
                $"LVM put the metadata LV at extent {first.PvStart} of {first.PvName}, not at extent 0 of {firstDevice}");
        }

        LvBlockDevice Open(string lv) => LvBlockDevice.Open(lvm, vg, lvs[lv], group.ExtentSize, pvs, readOnly: false);

        await BlockDomainLeases.ZeroAsync(Open, cancellationToken).ConfigureAwait(false);
        await BlockDomainLeases.InitAsync(Open, uuid, g, ioTimeout, cancellationToken).ConfigureAwait(false);

        var keys = DomainDefaults.CommonKeys(uuid, DomainType, description, g, ioTimeout);
        keys[VgUuidKey] = group.Uuid;
        var ordered = pvs.OrderBy(p => BlockDomainDevices.Same(p.Name, firstDevice) ? 0 : 1).ToList();
        var md = WithPvMappings(new DomainMetadata(keys), Extend([], ordered));
        await WriteTagsAsync(lvm, group, md, [BlockDomainLayout.ReadyTag], [BlockDomainLayout.UnreadyTag], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True if <paramref name="vg"/> exists on the devices as an incomplete domain (to be
    /// rebuilt); false if there is no such VG. Refuses devices in other VGs, a complete
    /// domain, and an incomplete one that spans devices not given.
    /// </summary>
    private static async Task<bool> IsIncompleteAsync(LvmCommand lvm, string vg, CancellationToken cancellationToken)
    {
        var pvs = await lvm.PvsAsync(cancellationToken).ConfigureAwait(false);
        BlockDomainDevices.CheckNotInOtherVg(pvs, vg);
        int ours = pvs.Count(p => p.VgName == vg);
        if (ours == 0)
        {
            return false;
        }

        var group = (await lvm.VgsAsync(vg, cancellationToken).ConfigureAwait(false)).Single();
        if (group.Tags.Contains(BlockDomainLayout.ReadyTag))
        {
            throw new SanpoolException(StorageErrors.DomainExists, $"domain {vg} already exists on {string.Join(", ", lvm.Options.Devices)}");
        }

        if (!group.Tags.Contains(BlockDomainLayout.UnreadyTag))
        {
            throw new SanpoolException(StorageErrors.DeviceInUse, $"VG {vg} exists but is not a storage domain (no {BlockDomainLayout.UnreadyTag} tag); not touching it");
        }

        if (group.PvCount != ours)
        {
            throw new SanpoolException(StorageErrors.DeviceInUse,
                $"the incomplete domain {vg} has {group.PvCount} PVs, {ours} of them among the devices given; give all of them to rebuild it");
        }

        return true;
    }

    /// <summary>The VG of a complete domain; DOMAIN_NOT_FOUND or DOMAIN_INCOMPLETE otherwise.</summary>
    private static async Task<VolumeGroup> ReadyVgAsync(LvmCommand lvm, Guid uuid, CancellationToken cancellationToken)
    {
        string where = string.Join(", ", lvm.Options.Devices);
        VolumeGroup group;
        try
        {
            group = (await lvm.VgsAsync(uuid.ToString(), cancellationToken).ConfigureAwait(false)).Single();
        }
        catch (SanpoolException e) when (e.Code == LvmErrors.VgNotFound)
        {
            // LVM finds a VG through the PV holding its metadata: a domain's first PV.
            throw new SanpoolException(StorageErrors.DomainNotFound,
                $"no domain {uuid} on {where} (a block domain is found through its first PV, which must be among the devices)", innerException: e);
        }

        if (group.Tags.Contains(BlockDomainLayout.UnreadyTag))
        {
            throw new SanpoolException(StorageErrors.DomainIncomplete,
                $"domain {uuid} on {where} was never completed (VG tag {BlockDomainLayout.UnreadyTag}); create it again to rebuild it");
        }

        return group.Tags.Contains(BlockDomainLayout.ReadyTag)
            ? group
            : throw new SanpoolException(StorageErrors.DomainNotFound, $"VG {uuid} on {where} is not a storage domain (no {BlockDomainLayout.ReadyTag} tag)");
    }

    private static DomainMetadata Parse(VolumeGroup group, Guid uuid)
    {
        var lines = VgTagCodec.FromTags(group.Tags).ToList();
        if (lines.Count == 0)
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"VG {group.Name} has no {VgTagCodec.MetadataPrefix} tags");
        }

        var md = DomainMetadata.Parse(lines, $"VG {group.Name} tags");
        return md["SDUUID"] == uuid.ToString()
            ? md
            : throw new SanpoolException(StorageErrors.MetadataInvalid, $"VG {group.Name} holds the metadata of domain {md["SDUUID"]}");
    }

    /// <summary>One vgchange: the metadata tags that changed, plus <paramref name="addTags"/> and minus <paramref name="deleteTags"/>.</summary>
    private static Task WriteTagsAsync(LvmCommand lvm, VolumeGroup group, DomainMetadata md, string[] addTags, string[] deleteTags, CancellationToken cancellationToken)
    {
        var old = group.Tags.Where(t => t.StartsWith(VgTagCodec.MetadataPrefix, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var now = VgTagCodec.ToTags(md).ToHashSet(StringComparer.Ordinal);

        // A tag both deleted and added in one vgchange would depend on LVM's order; send the difference only.
        var add = now.Except(old).Concat(addTags).ToList();
        var delete = old.Except(now).Concat(deleteTags).ToList();
        return lvm.VgChangeTagsAsync(group.Name, add, delete, cancellationToken);
    }

    /// <summary>The PVn entries in index order.</summary>
    private static List<PvMapping> PvMappings(DomainMetadata md) =>
        [.. md.Values.Select(kv => (Index: PvMapping.IndexOf(kv.Key), kv.Value)).Where(e => e.Index is not null)
            .OrderBy(e => e.Index).Select(e => PvMapping.Parse(e.Value))];

    /// <summary>
    /// <paramref name="existing"/> plus an entry for each PV of <paramref name="pvs"/> it lacks
    /// (matched by PV UUID), numbered on, each with mapoffset = previous mapoffset + pecount.
    /// </summary>
    private static List<PvMapping> Extend(List<PvMapping> existing, IEnumerable<PhysicalVolume> pvs)
    {
        var result = new List<PvMapping>(existing);
        foreach (var pv in pvs.Where(p => existing.All(m => m.Uuid != p.Uuid)))
        {
            long offset = result.Count == 0 ? 0 : result[^1].MapOffset + result[^1].PeCount;
            result.Add(new PvMapping(Path.GetFileName(pv.Name), pv.Uuid, 0, pv.PeCount, offset));
        }

        return result;
    }

    private static DomainMetadata WithPvMappings(DomainMetadata md, List<PvMapping> mapping)
    {
        for (int i = 0; i < mapping.Count; i++)
        {
            md = md.With(PvMapping.Key(i), mapping[i].ToValue());
        }

        return md;
    }

    private static LvmCommand Command(IEnumerable<string> devices) => new(new LvmOptions([.. devices]));

    private static async Task TryRemoveAsync(LvmCommand lvm, string vg)
    {
        try
        {
            await lvm.VgRemoveAsync(vg, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SanpoolException)
        {
            // Nothing more to do here; the VG keeps its UNREADY tag and the next create removes it.
        }
    }
}
