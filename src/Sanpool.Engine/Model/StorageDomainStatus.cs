namespace Sanpool.Engine.Model;

/// <summary>A domain's status in one data center, <c>storage_pool_iso_map.status</c>; the engine's values.</summary>
public enum StorageDomainStatus
{
    Unknown = 0,
    Uninitialized = 1,
    Unattached = 2,
    Active = 3,
    Inactive = 4,
    Locked = 5,
    Maintenance = 6,
    PreparingForMaintenance = 7,
    Detaching = 8,
    Activating = 9,
}
