namespace Sanpool.Engine.Model;

/// <summary><c>storage_domain_static.storage_type</c>; the engine's values.</summary>
public enum StorageType
{
    NFS = 1,
    FCP = 2,
    ISCSI = 3,
    LOCALFS = 4,
    POSIXFS = 6,
}
