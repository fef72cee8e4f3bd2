using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A data center (a pool) as <c>/api/datacenters</c> shows it.</summary>
/// <param name="Status">oVirt's words: uninitialized, up, maintenance, not_operational, problematic (no SPM answered), contend.</param>
/// <param name="Spm">The host that is its SPM, if one is.</param>
public sealed record DataCenterDto(
    Guid Id,
    string Name,
    string? Description,
    string Status,
    int MasterDomainVersion,
    RefDto? Spm,
    string Href,
    IReadOnlyList<LinkDto> Links)
{
    public static DataCenterDto From(StoragePool pool, string api)
    {
        ArgumentNullException.ThrowIfNull(pool);
        string href = $"{api}/datacenters/{pool.Id}";
        return new DataCenterDto(
            pool.Id,
            pool.Name,
            pool.Description,
            StatusText(pool.Status),
            pool.MasterDomainVersion,
            pool.SpmVdsId is { } spm ? new RefDto(spm, $"{api}/hosts/{spm}") : null,
            href,
            [new LinkDto("storagedomains", $"{api}/storagedomains"), new LinkDto("hosts", $"{api}/hosts")]);
    }

    public static string StatusText(StoragePoolStatus status) => status switch
    {
        StoragePoolStatus.Uninitialized => "uninitialized",
        StoragePoolStatus.Up => "up",
        StoragePoolStatus.Maintenance => "maintenance",
        StoragePoolStatus.NotOperational => "not_operational",
        StoragePoolStatus.NonResponsive => "problematic",
        StoragePoolStatus.Contend => "contend",
        _ => "unknown",
    };
}
