using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A disk as <c>/api/disks</c> shows it, in oVirt's terms.</summary>
/// <param name="ProvisionedSize">The virtual size in bytes (the leaf's).</param>
/// <param name="ActualSize">What the leaf volume uses on storage, bytes, if known.</param>
/// <param name="TotalSize">What the whole chain uses, bytes, if known.</param>
/// <param name="Status">ok; locked while a job works on any of its volumes; illegal when the leaf is.</param>
/// <param name="ImageId">The leaf volume.</param>
/// <param name="Volumes">How many volumes its chain has (1 + its snapshots).</param>
public sealed record DiskDto(
    Guid Id,
    string Alias,
    string? Description,
    long ProvisionedSize,
    long? ActualSize,
    long? TotalSize,
    ImageStatus Status,
    VolumeFormat Format,
    bool Sparse,
    Guid ImageId,
    int Volumes,
    IReadOnlyList<RefDto> StorageDomains,
    string Href);
