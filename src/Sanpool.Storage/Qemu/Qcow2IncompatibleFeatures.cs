namespace Sanpool.Storage.Qemu;

/// <summary>
/// qcow2 v3 incompatible feature bits (header offset 72). An implementation that does not know
/// a set bit must refuse the image.
/// </summary>
[Flags]
public enum Qcow2IncompatibleFeatures : ulong
{
    None = 0,

    /// <summary>Bit 0: refcounts may be stale (lazy refcounts, not closed cleanly).</summary>
    Dirty = 1UL << 0,

    /// <summary>Bit 1: qemu found metadata corruption; writes are refused until repaired.</summary>
    Corrupt = 1UL << 1,

    /// <summary>Bit 2: guest data lives in an external data file named by an extension.</summary>
    ExternalDataFile = 1UL << 2,

    /// <summary>Bit 3: the compression type field (offset 104) is not zlib.</summary>
    CompressionType = 1UL << 3,

    /// <summary>Bit 4: L2 entries are 128 bits with subcluster bitmaps.</summary>
    ExtendedL2 = 1UL << 4,

    /// <summary>Every bit defined by the qcow2 specification that qemu 7.2 knows.</summary>
    Known = Dirty | Corrupt | ExternalDataFile | CompressionType | ExtendedL2,
}
