namespace Sanpool.Engine.Model;

/// <summary>A row of <c>storage_pool</c> (a data center; in Sanpool, one pool).</summary>
public sealed record StoragePool(
    Guid Id,
    string Name,
    string? Description,
    StoragePoolStatus Status,
    int MasterDomainVersion,
    Guid? SpmVdsId,
    string CompatibilityVersion,
    DateTimeOffset CreateDate,
    DateTimeOffset? UpdateDate);
