using System.Text.Json;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>
/// <c>POST /api/disks/{id}/copy</c> and <c>/move</c>: <c>{ "storage_domain": { "id": "..." } }</c>
/// (oVirt's shape) or <c>{ "storage_domain": "..." }</c>; a copy may name its <c>alias</c>
/// (default: the source's, with "_copy").
/// </summary>
public sealed record DiskActionRequest(JsonElement? StorageDomain = null, string? Alias = null)
{
    /// <summary>The target domain's id as given, or null when there is none.</summary>
    public string? DomainId() => StorageDomain switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String => id.GetString(),
        _ => null,
    };
}
