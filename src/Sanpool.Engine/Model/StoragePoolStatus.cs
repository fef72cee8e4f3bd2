namespace Sanpool.Engine.Model;

/// <summary>A data center's status, <c>storage_pool.status</c>; the engine's StoragePoolStatus values.</summary>
public enum StoragePoolStatus
{
    Uninitialized = 0,
    Up = 1,
    Maintenance = 2,
    NotOperational = 3,

    /// <summary>Shown as "Problematic" by the engine's UI.</summary>
    NonResponsive = 4,

    /// <summary>An SPM is being elected.</summary>
    Contend = 5,
}
