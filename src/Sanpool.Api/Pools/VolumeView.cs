namespace Sanpool.Api.Pools;

/// <summary>
/// One volume seen three ways: its metadata record (null when unreadable, with why), its
/// storage (file or LV, with the LV's IU_/PU_/MD_ tags on a block domain), and its qcow2
/// header (null for a RAW volume or one whose header does not read as qcow2).
/// </summary>
public sealed record VolumeView
{
    public required Guid Id { get; init; }

    /// <summary>The image the storage files the volume under (directory, or IU_ tag).</summary>
    public required Guid Image { get; init; }

    public VolumeMetadataView? Metadata { get; init; }

    public string? MetadataError { get; init; }

    public required VolumeStorageView Storage { get; init; }

    public Qcow2HeaderView? Qcow2 { get; init; }

    /// <summary>Why the header could not be read, when it could not (a COW volume without one is damaged).</summary>
    public string? Qcow2Error { get; init; }
}
