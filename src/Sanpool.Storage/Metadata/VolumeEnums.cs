namespace Sanpool.Storage.Metadata;

/// <summary>FORMAT: RAW or COW (qcow2).</summary>
public enum VolumeFormat
{
    RAW,
    COW,
}

/// <summary>TYPE: how the volume's storage is allocated.</summary>
public enum AllocationType
{
    PREALLOCATED,
    SPARSE,
}

/// <summary>VOLTYPE: the volume's place in its chain.</summary>
public enum VolumeRole
{
    LEAF,
    INTERNAL,
    SHARED,
}

/// <summary>LEGALITY: ILLEGAL while a volume is being written or removed.</summary>
public enum Legality
{
    LEGAL,
    ILLEGAL,
    FAKE,
}
