using Sanpool.Storage.Chains;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Volumes;

/// <summary>A stored volume with its metadata, or why the metadata could not be read.</summary>
public sealed record VolumeRecord(StoredVolume Stored, VolumeMetadata? Metadata, string? MetadataError)
{
    public Guid Id => Stored.Volume;

    public Guid Image => Stored.Image;

    /// <summary>The metadata, or VOLUME_ILLEGAL naming why it is unreadable.</summary>
    public VolumeMetadata Md => Metadata ?? throw new Core.SanpoolException(StorageErrors.VolumeIllegal,
        $"volume {Stored}: metadata unreadable: {MetadataError}");

    /// <summary>The row dump-volume-chains and chain analysis see.</summary>
    public VolumeInfo ToInfo() => Metadata is { } md
        ? new VolumeInfo
        {
            Id = Id,
            Image = md.Image,
            Parent = md.Parent,
            VolType = md.Role.ToString(),
            Format = md.Format.ToString(),
            Legality = md.Legality.ToString(),
            Type = md.Type.ToString(),
            Capacity = md.Capacity,
            TrueSize = Stored.Allocated,
        }
        : new VolumeInfo { Id = Id, Image = Image, Parent = Stored.TagParent, Status = "INVALID", TrueSize = Stored.Allocated };
}
