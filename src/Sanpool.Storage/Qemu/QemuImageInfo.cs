namespace Sanpool.Storage.Qemu;

/// <summary>
/// One image as <c>qemu-img info --output json</c> reports it (one element per layer, top
/// first, with <c>--backing-chain</c>). Field names follow qemu's keys: virtual-size, filename,
/// format, actual-size, cluster-size, backing-filename, full-backing-filename,
/// backing-filename-format, dirty-flag, encrypted, and format-specific.data for qcow2 (compat,
/// lazy-refcounts, refcount-bits, corrupt, compression-type, extended-l2).
/// </summary>
public sealed record QemuImageInfo
{
    public required string Filename { get; init; }

    /// <summary>qemu's format name ("raw", "qcow2", or whatever qemu probed).</summary>
    public required string Format { get; init; }

    public required long VirtualSize { get; init; }

    /// <summary>Bytes allocated on the host; 0 on block devices (use check's image-end-offset there).</summary>
    public long ActualSize { get; init; }

    public long? ClusterSize { get; init; }

    /// <summary>The backing name exactly as the header stores it.</summary>
    public string? BackingFilename { get; init; }

    /// <summary>The backing name as qemu resolved it (relative to the image's directory).</summary>
    public string? FullBackingFilename { get; init; }

    public string? BackingFormat { get; init; }

    public bool DirtyFlag { get; init; }

    public bool Encrypted { get; init; }

    /// <summary>qcow2 compat level: "0.10" (v2) or "1.1" (v3); null for raw.</summary>
    public string? Compat { get; init; }

    public bool? LazyRefcounts { get; init; }

    public int? RefcountBits { get; init; }

    public bool? Corrupt { get; init; }

    public string? CompressionType { get; init; }

    public bool? ExtendedL2 { get; init; }
}
