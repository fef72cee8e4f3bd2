namespace Sanpool.Engine.Model;

/// <summary><c>storage_domain_static.storage_domain_type</c>; the engine's values (Sanpool uses Master and Data).</summary>
public enum StorageDomainType
{
    Master = 0,
    Data = 1,
}
