namespace Sanpool.Engine.Model;

/// <summary>A row of <c>image_storage_domain_map</c>: the domain a volume lives on.</summary>
public sealed record ImageStorageDomainMap(Guid ImageId, Guid StorageDomainId);
