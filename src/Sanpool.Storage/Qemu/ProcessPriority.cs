namespace Sanpool.Storage.Qemu;

/// <summary>
/// CPU and I/O priority for long data-moving qemu-img runs (convert, commit, compare), applied
/// with <c>nice -n &lt;Nice&gt; ionice -c &lt;IoClass&gt;</c> so that copies do not starve the VMs
/// and the lease renewals sharing the storage. Defaults: nice 19, I/O class 3 (idle).
/// </summary>
public sealed record ProcessPriority(int Nice = 19, int IoClass = 3)
{
    public static ProcessPriority Background { get; } = new();
}
