using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// What changes a domain's volumes: their storage, metadata records, parent links and
/// templates. Only the domain's writer hands it out (<see cref="DomainWriter.Store"/>): it
/// holds the SDM lease and sets <see cref="WriteFence"/> to its lease check, so nothing here
/// changes storage once the lease is lost. Everything else reads through
/// <see cref="IDomainManifest"/>. Every member is idempotent, so recovery can repeat a step a
/// crash interrupted.
/// </summary>
public interface IVolumeStore : IDomainManifest
{
    /// <summary>
    /// Forgets everything the store keeps between calls, what it has handed out included (a block
    /// store's claimed metadata slots), and reads the storage afresh: a writer calls it once it
    /// holds the SDM lease, when no change of its own can be in flight and another host may have
    /// changed the domain since this store last wrote. <see cref="IDomainManifest.Refresh"/>
    /// forgets only the cached view, and is what readers call.
    /// </summary>
    void BeginWriterTerm();

    Task WriteMetadataAsync(StoredVolume volume, VolumeMetadata metadata, CancellationToken cancellationToken);

    /// <summary>Creates the volume's storage, metadata record and lease; the result is still Initializing.</summary>
    Task<StoredVolume> AllocateAsync(VolumeAllocation allocation, CancellationToken cancellationToken);

    /// <summary>Drops the initializing mark (block: the OVIRT_VOL_INITIALIZING tag).</summary>
    Task MarkReadyAsync(StoredVolume volume, CancellationToken cancellationToken);

    /// <summary>Points the storage-level parent link (block: PU_ tag) at <paramref name="parent"/>.</summary>
    Task SetParentAsync(StoredVolume volume, Guid parent, CancellationToken cancellationToken);

    /// <summary>Grows the volume's storage to at least <paramref name="size"/> bytes.</summary>
    Task<StoredVolume> ExtendAsync(StoredVolume volume, long size, CancellationToken cancellationToken);

    /// <summary>
    /// Makes bytes [<paramref name="offset"/>, + <paramref name="length"/>) of the volume's storage
    /// read as zeros for every reader, a VM's data path included, and durable before it returns;
    /// <paramref name="progress"/> gets percent done. Block: the LV's ranges on its PVs zeroed
    /// (BLKZEROOUT where the device can, zeros written where not), fenced before every piece.
    /// What it is for: a new LV takes extents a deleted volume used, so whatever a reader could
    /// see of them is zeroed before the volume becomes LEGAL; and wipe-after-delete. File: nothing
    /// to do (a new file reads zeros wherever nothing was written; a deleted file's blocks are the
    /// file system's to clear, and VDSM ignores postZero on file domains too).
    /// </summary>
    Task ZeroAsync(StoredVolume volume, long offset, long length, Action<double>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the storage it may free the volume's extents (discard-after-delete): block, BLKDISCARD
    /// on the LV's PV ranges; false where a device does not support it. Not a wipe: what a
    /// discarded range reads is the device's business. File: false (removing the file frees it).
    /// </summary>
    Task<bool> DiscardAsync(StoredVolume volume, CancellationToken cancellationToken);

    /// <summary>Removes the volume's storage, metadata and lease, wherever it got to; no error if gone.</summary>
    Task RemoveAsync(Guid image, Guid volume, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the template volume <paramref name="template"/> reachable from <paramref name="image"/>'s
    /// directory, where qemu resolves backing names (file: hard links, as VDSM does; block: nothing).
    /// </summary>
    Task LinkTemplateAsync(StoredVolume template, Guid image, CancellationToken cancellationToken);

    /// <summary>
    /// Asked before every change the store makes (metadata, LVs, files) and every write a volume
    /// prepared by <see cref="PrepareAsync"/> receives; it throws once writing is no longer
    /// allowed. Set by the domain's writer to its lease check, so an operation that goes on
    /// after the lease is lost (a rollback in a catch, a thawed process) changes nothing. Each
    /// preparation keeps the fence that was set when it was made. Block stores serve
    /// volumes to qemu themselves and so can fence them; a file store cannot (qemu writes the
    /// files directly) and only the process's own death stops those writes.
    /// </summary>
    Action? WriteFence { get; set; }
}
