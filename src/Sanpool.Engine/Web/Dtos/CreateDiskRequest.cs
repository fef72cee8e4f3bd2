namespace Sanpool.Engine.Web.Dtos;

/// <summary>
/// <c>POST /api/disks</c>, oVirt's shape: <c>{ "alias": "data1", "provisioned_size": 1073741824,
/// "format": "cow", "sparse": true, "storage_domain": { "id": "..." } }</c>. Sizes are bytes
/// (a positive multiple of 512); format cow (qcow2) or raw; sparse defaults to true for cow.
/// </summary>
public sealed record CreateDiskRequest(
    string? Alias,
    long? ProvisionedSize,
    string? Format = null,
    bool? Sparse = null,
    string? Description = null,
    IdRefDto? StorageDomain = null);
