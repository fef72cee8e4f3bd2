namespace Sanpool.Engine.Model;

/// <summary>A row of <c>storage_domain_dynamic</c>: a domain's free and used space, in whole GiB, as last reported.</summary>
public sealed record StorageDomainDynamic(Guid Id, int? AvailableDiskSize, int? UsedDiskSize, DateTimeOffset? UpdateDate);
