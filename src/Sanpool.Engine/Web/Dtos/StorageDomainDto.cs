using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A storage domain as <c>/api/storagedomains</c> shows it; sizes in bytes (the database keeps whole GiB).</summary>
/// <param name="Type">Always "data": Sanpool's domains hold disks; <paramref name="Master"/> says which holds the pool's keys.</param>
/// <param name="Storage">The volume group (block) or path the domain lives in.</param>
/// <param name="Status">Its status in its data center (active, maintenance, ...), or null if attached to none.</param>
public sealed record StorageDomainDto(
    Guid Id,
    string Name,
    string Type,
    bool Master,
    StorageType StorageType,
    string Storage,
    StorageDomainStatus? Status,
    long? Available,
    long? Used,
    int BlockSize,
    RefDto? DataCenter,
    string Href,
    IReadOnlyList<LinkDto> Links)
{
    private const long GiB = 1L << 30;

    public static StorageDomainDto From(StorageDomainStatic domain, StorageDomainDynamic? sizes, StoragePoolIsoMap? attachment, string api)
    {
        ArgumentNullException.ThrowIfNull(domain);
        string href = $"{api}/storagedomains/{domain.Id}";
        return new StorageDomainDto(
            domain.Id,
            domain.StorageName,
            "data",
            domain.StorageDomainType == StorageDomainType.Master,
            domain.StorageType,
            domain.Storage,
            attachment?.Status,
            sizes?.AvailableDiskSize * GiB,
            sizes?.UsedDiskSize * GiB,
            domain.BlockSize,
            attachment is null ? null : new RefDto(attachment.StoragePoolId, $"{api}/datacenters/{attachment.StoragePoolId}"),
            href,
            [new LinkDto("disks", href + "/disks")]);
    }
}
