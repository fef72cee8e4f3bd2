using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>Small steps the operations share.</summary>
internal static class VolumeSteps
{
    public static QemuImageFormat QemuFormat(this VolumeFormat format) =>
        format == VolumeFormat.COW ? QemuImageFormat.Qcow2 : QemuImageFormat.Raw;

    /// <summary>Reads, changes and writes a volume's metadata, one generation up.</summary>
    public static async Task<VolumeMetadata> UpdateAsync(IVolumeStore store, StoredVolume volume, Func<VolumeMetadata, VolumeMetadata> change, CancellationToken cancellationToken)
    {
        var md = await store.ReadMetadataAsync(volume, cancellationToken).ConfigureAwait(false);
        var updated = change(md).NextGeneration();
        await store.WriteMetadataAsync(volume, updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    public static async Task<StoredVolume?> FindStoredAsync(IDomainManifest store, Guid volume, CancellationToken cancellationToken) =>
        (await store.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(v => v.Volume == volume && !v.Removing);

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Rounds up to a whole number of <paramref name="unit"/>.</summary>
    public static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;
}
