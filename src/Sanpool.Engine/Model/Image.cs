namespace Sanpool.Engine.Model;

/// <summary>A row of <c>images</c>: one volume of a disk's chain.</summary>
/// <param name="ImageGuid">The volume id.</param>
/// <param name="Size">Virtual size in bytes.</param>
/// <param name="ItGuid">The template's base volume the chain starts from, <see cref="Guid.Empty"/> if none.</param>
/// <param name="ParentId">The parent volume, <see cref="Guid.Empty"/> for a base.</param>
/// <param name="VmSnapshotId">The VM snapshot the volume belongs to; null for a disk attached to no VM.</param>
/// <param name="ImageGroupId">The disk id.</param>
/// <param name="Active">True only for the chain's leaf.</param>
/// <param name="SequenceNumber">1 for the base, counting up along the chain.</param>
public sealed record Image(
    Guid ImageGuid,
    DateTimeOffset CreationDate,
    long Size,
    Guid ItGuid,
    Guid ParentId,
    ImageStatus ImageStatus,
    DateTimeOffset? LastModified,
    Guid? VmSnapshotId,
    VolumeType VolumeType,
    VolumeFormat VolumeFormat,
    Guid ImageGroupId,
    bool Active,
    VolumeClassification VolumeClassification,
    int SequenceNumber);
