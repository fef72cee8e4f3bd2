namespace Sanpool.Storage.Qemu;

/// <summary>qemu-img's <c>preallocation=</c> modes.</summary>
public enum QemuPreallocation
{
    Off,

    /// <summary>qcow2 only: allocate the L2 tables and refcounts, not the data.</summary>
    Metadata,

    /// <summary>Reserve the space with fallocate; nothing is written.</summary>
    Falloc,

    /// <summary>Write zeros over the whole image.</summary>
    Full,
}
