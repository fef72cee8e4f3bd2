using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// <c>qemu-img check --output json</c>: image-end-offset (the highest host offset in use, what
/// a block volume must be at least as large as), total-clusters, allocated-clusters,
/// fragmented-clusters, compressed-clusters, leaks, corruptions, check-errors. Absent keys are
/// null (qemu omits zero leaks and corruptions).
/// </summary>
public sealed record QemuImageCheck
{
    public required QemuCheckStatus Status { get; init; }

    public string? Filename { get; init; }

    public string? Format { get; init; }

    public long? ImageEndOffset { get; init; }

    public long? TotalClusters { get; init; }

    public long? AllocatedClusters { get; init; }

    public long? FragmentedClusters { get; init; }

    public long? CompressedClusters { get; init; }

    public long Leaks { get; init; }

    public long Corruptions { get; init; }

    public long CheckErrors { get; init; }

    /// <summary>Returns this result, or throws IMAGE_CORRUPT if there are corruptions (and leaks, if not allowed).</summary>
    public QemuImageCheck EnsureConsistent(bool allowLeaks = true) =>
        Status == QemuCheckStatus.Corrupt || (!allowLeaks && Status == QemuCheckStatus.Leaks)
            ? throw new SanpoolException(QemuErrors.ImageCorrupt,
                $"{Filename}: qemu-img check found {Corruptions} corruptions and {Leaks} leaked clusters")
            : this;
}
