namespace Sanpool.Storage.Qemu;

/// <summary>qcow2 v3 compatible feature bits (header offset 80); unknown bits may be ignored.</summary>
[Flags]
public enum Qcow2CompatibleFeatures : ulong
{
    None = 0,

    /// <summary>Bit 0: refcount updates may be delayed; the dirty bit says when they are stale.</summary>
    LazyRefcounts = 1UL << 0,
}
