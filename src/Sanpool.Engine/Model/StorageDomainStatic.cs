namespace Sanpool.Engine.Model;

/// <summary>A row of <c>storage_domain_static</c>: what a domain is, whichever pool it is in.</summary>
/// <param name="Storage">The domain's volume group name (block) or path (file).</param>
/// <param name="WarningLowSpaceIndicator">Percent of free space below which a warning event is raised.</param>
/// <param name="CriticalSpaceActionBlocker">GiB of free space below which new volumes are refused.</param>
public sealed record StorageDomainStatic(
    Guid Id,
    string Storage,
    string StorageName,
    StorageDomainType StorageDomainType,
    StorageType StorageType,
    string StorageDomainFormatType,
    int WarningLowSpaceIndicator,
    int CriticalSpaceActionBlocker,
    int BlockSize,
    bool WipeAfterDelete,
    bool DiscardAfterDelete,
    DateTimeOffset CreateDate,
    DateTimeOffset? UpdateDate);
