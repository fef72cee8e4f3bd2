using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// A domain's storage as any host may use it (VDSM's domain manifest): the domain's metadata,
/// its volumes and their metadata read, volumes exposed to qemu, and the lease, master and
/// mailbox areas. What changes volumes is <see cref="IVolumeStore"/>, which only the domain's
/// writer (<see cref="DomainWriter.Store"/>, under the SDM lease) hands out. One implementation
/// per domain kind: <see cref="FileVolumeStore"/> (files under <c>images/</c>) and
/// <see cref="BlockVolumeStore"/> (LVs with IU_/PU_/MD_ tags and metadata slots).
/// </summary>
public interface IDomainManifest : IAsyncDisposable
{
    DomainInfo Info { get; }

    /// <summary>"file" or "block": for messages.</summary>
    string Kind { get; }

    /// <summary>
    /// A volume's storage holds only what it was given until extended (an LV); false when it
    /// grows as qemu writes (a file), so preallocation is qemu's job and merges need no extend.
    /// </summary>
    bool FixedSize { get; }

    /// <summary>Every volume the storage holds, including half-created and half-removed ones.</summary>
    Task<IReadOnlyList<StoredVolume>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The volume's metadata record; METADATA_INVALID if it is missing or unreadable.</summary>
    Task<VolumeMetadata> ReadMetadataAsync(StoredVolume volume, CancellationToken cancellationToken);

    /// <summary>
    /// Each of <paramref name="volumes"/>, in order, with its metadata, or with the message of the
    /// error <see cref="ReadMetadataAsync"/> gives for it. A store may read many records at once.
    /// </summary>
    async Task<IReadOnlyList<VolumeRecord>> ReadRecordsAsync(IReadOnlyList<StoredVolume> volumes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        var records = new List<VolumeRecord>(volumes.Count);
        foreach (var stored in volumes)
        {
            try
            {
                records.Add(new VolumeRecord(stored, await ReadMetadataAsync(stored, cancellationToken).ConfigureAwait(false), null));
            }
            catch (SanpoolException e)
            {
                records.Add(new VolumeRecord(stored, null, e.Message));
            }
        }

        return records;
    }

    /// <summary>
    /// Exposes <paramref name="volumes"/> as files in one directory, each named by its UUID, for
    /// qemu-img (file: the image directory itself; block: the LVs shown through the host's data
    /// path, <see cref="IDeviceFiles"/>), until the result is disposed.
    /// </summary>
    Task<PreparedVolumes> PrepareAsync(IReadOnlyList<StoredVolume> volumes, CancellationToken cancellationToken);

    /// <summary>
    /// The LV of a volume of a block domain, for a host's data path to serve to the qemu that runs
    /// it (a VM's disk over NBD, DESIGN section 4); null on a file domain, where qemu opens
    /// <see cref="FilePathOf"/>. Not fenced by the SPM lease: a VM's writes are not structural metadata.
    /// </summary>
    Lvm.LvLocation? LvOf(StoredVolume volume);

    /// <summary>The file qemu opens for a volume of a file domain; null on a block domain.</summary>
    string? FilePathOf(StoredVolume volume);

    /// <summary>The volume's bytes, sector-aligned, for native header reads and byte copies.</summary>
    Task<IBlockDevice> OpenVolumeAsync(StoredVolume volume, bool readOnly, CancellationToken cancellationToken);

    /// <summary>The master area: the journal, the pool's tasks and host reports (<see cref="Journal.MasterArea"/>).</summary>
    Task<IBlockDevice> OpenMasterAreaAsync(CancellationToken cancellationToken);

    /// <summary>The lockspace area ("ids") at offset 0.</summary>
    Task<IBlockDevice> OpenIdsAsync(CancellationToken cancellationToken);

    /// <summary>The resource area ("leases"); the SPM lease is at 1 x alignment.</summary>
    Task<IBlockDevice> OpenLeasesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// One of the storage mailbox's areas ("inbox" / "outbox", 16 MiB each, zeroed at domain
    /// creation; see <see cref="Mailbox.MailboxLayout"/>), opened for direct I/O without O_SYNC, as
    /// VDSM's <c>dd oflag=direct</c> writes them (visibility to other hosts, not durability: a
    /// lost message is re-sent). Only the master domain's are used.
    /// </summary>
    Task<IBlockDevice> OpenMailboxAsync(Mailbox.MailboxArea area, CancellationToken cancellationToken);

    /// <summary>
    /// The storage a new volume starts with: a file domain gives RAW its capacity and lets
    /// qcow2 files grow; a block domain rounds to extents and starts sparse qcow2 small.
    /// </summary>
    long InitialSize(VolumeFormat format, AllocationType allocation, long capacity);

    /// <summary>The domain's metadata (sealed KEY=VALUE), read fresh; METADATA_SEAL_BROKEN if tampered with.</summary>
    /// <summary>
    /// Forgets the store's cached view of the storage (a block store's LVM report), so the next
    /// call reads it afresh: a reader calls it before it looks at what another host (the SPM)
    /// changes. Safe while this host's own writer works on the same store: what the writer has
    /// handed out but not yet made (a block store's claimed metadata slots) is kept.
    /// </summary>
    void Refresh();

    /// <summary>The domain's capacity and free space as the storage says now (not a cached view).</summary>
    Task<DomainSpace> ReadSpaceAsync(CancellationToken cancellationToken);

    Task<Metadata.DomainMetadata> ReadDomainMetadataAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the domain's metadata in one atomic step (file: rename; block: one vgchange).</summary>
    Task WriteDomainMetadataAsync(Metadata.DomainMetadata metadata, CancellationToken cancellationToken);

    /// <summary>The geometry of the lease areas.</summary>
    LeaseGeometry Geometry { get; }
}
