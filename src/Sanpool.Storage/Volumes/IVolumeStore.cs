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
    Task WriteMetadataAsync(StoredVolume volume, VolumeMetadata metadata, CancellationToken cancellationToken);

    /// <summary>Creates the volume's storage, metadata record and lease; the result is still Initializing.</summary>
    Task<StoredVolume> AllocateAsync(VolumeAllocation allocation, CancellationToken cancellationToken);

    /// <summary>Drops the initializing mark (block: the OVIRT_VOL_INITIALIZING tag).</summary>
    Task MarkReadyAsync(StoredVolume volume, CancellationToken cancellationToken);

    /// <summary>Points the storage-level parent link (block: PU_ tag) at <paramref name="parent"/>.</summary>
    Task SetParentAsync(StoredVolume volume, Guid parent, CancellationToken cancellationToken);

    /// <summary>Grows the volume's storage to at least <paramref name="size"/> bytes.</summary>
    Task<StoredVolume> ExtendAsync(StoredVolume volume, long size, CancellationToken cancellationToken);

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
