namespace Sanpool.Storage.Qemu;

/// <summary>The verdict of <c>qemu-img check</c>, from its exit code.</summary>
public enum QemuCheckStatus
{
    /// <summary>Exit 0.</summary>
    Clean,

    /// <summary>Exit 3: clusters allocated but unused. Space is wasted; no data is at risk.</summary>
    Leaks,

    /// <summary>Exit 2: metadata is inconsistent; data may be lost.</summary>
    Corrupt,

    /// <summary>Exit 63: the format has no consistency check (raw).</summary>
    NotSupported,
}
