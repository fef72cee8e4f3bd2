namespace Sanpool.Storage.Qemu;

/// <summary>
/// qcow2 v3 autoclear feature bits (header offset 88): an implementation that does not know a
/// bit clears it when it opens the image read-write.
/// </summary>
[Flags]
public enum Qcow2AutoclearFeatures : ulong
{
    None = 0,

    /// <summary>Bit 0: the bitmaps extension is consistent with the image.</summary>
    Bitmaps = 1UL << 0,

    /// <summary>Bit 1: the external data file is a valid raw image by itself.</summary>
    RawExternalData = 1UL << 1,
}
