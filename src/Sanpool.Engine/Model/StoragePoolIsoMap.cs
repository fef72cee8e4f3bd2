namespace Sanpool.Engine.Model;

/// <summary>A row of <c>storage_pool_iso_map</c>: a domain attached to a data center, and its status there.</summary>
public sealed record StoragePoolIsoMap(Guid StorageId, Guid StoragePoolId, StorageDomainStatus Status);
