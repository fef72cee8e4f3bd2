using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>Small steps the operations share.</summary>
internal static class VolumeSteps
{
    public static QemuImageFormat QemuFormat(this VolumeFormat format) =>
        format == VolumeFormat.COW ? QemuImageFormat.Qcow2 : QemuImageFormat.Raw;

    /// <summary>
    /// Reads, changes and writes a volume's metadata. The generation stays as it is: as in VDSM,
    /// only a change of the volume's data or attributes that the manager asked for moves it on
    /// (a merge into it: <see cref="MergeVolumes"/>), never the bookkeeping of an operation
    /// (ILLEGAL while being made, INTERNAL under a new snapshot, LEAF again after a delete).
    /// </summary>
    public static async Task<VolumeMetadata> UpdateAsync(IVolumeStore store, StoredVolume volume, Func<VolumeMetadata, VolumeMetadata> change, CancellationToken cancellationToken)
    {
        var md = await store.ReadMetadataAsync(volume, cancellationToken).ConfigureAwait(false);
        var updated = change(md);
        await store.WriteMetadataAsync(volume, updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// The start of a new volume zeroed however it will be used: 1 MiB, more than any format
    /// probe reads (qemu's 2 KiB, blkid's superblocks up to 64 KiB + 1 KiB), the whole first
    /// cluster qemu-img create writes anyway.
    /// </summary>
    public const long ProbeArea = 1024 * 1024;

    /// <summary>
    /// Clears what a reader of a new volume could see of the extents it took over (a deleted
    /// volume's data, its qcow2 header first of all), before the volume is written or made
    /// LEGAL. What a reader can see:
    /// <list type="bullet">
    /// <item>RAW: every byte, the guest's disk as it is; so the whole storage, or, when a copy
    /// is about to write [0, capacity) in full (<paramref name="copiedUpTo"/>), the rest of it
    /// past the capacity (the LV rounds up to whole extents).</item>
    /// <item>COW: only clusters qcow2 wrote in full, which never includes old bytes (a cluster is
    /// allocated by writing all of it, the rest from the backing file or zeros); and what a
    /// format probe reads at the start (<see cref="ProbeArea"/>), in case the header is not yet
    /// there when someone looks.</item>
    /// </list>
    /// File domains have nothing to clear (<see cref="IVolumeStore.ZeroAsync"/>).
    /// </summary>
    public static Task CleanNewAsync(IVolumeStore store, StoredVolume stored, VolumeFormat format, long? copiedUpTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(stored);
        if (!store.FixedSize)
        {
            return Task.CompletedTask;
        }

        if (format == VolumeFormat.COW)
        {
            return store.ZeroAsync(stored, 0, Math.Min(ProbeArea, stored.Size), null, cancellationToken);
        }

        // Rounded down to 4 KiB, the largest sector size: the copy writes the overlap again.
        long from = copiedUpTo is { } end ? end / 4096 * 4096 : 0;
        return from >= stored.Size ? Task.CompletedTask : store.ZeroAsync(stored, from, stored.Size - from, null, cancellationToken);
    }

    public static async Task<StoredVolume?> FindStoredAsync(IDomainManifest store, Guid volume, CancellationToken cancellationToken) =>
        (await store.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(v => v.Volume == volume && !v.Removing);

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Rounds up to a whole number of <paramref name="unit"/>.</summary>
    public static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;
}
