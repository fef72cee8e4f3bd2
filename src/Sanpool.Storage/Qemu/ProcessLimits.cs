namespace Sanpool.Storage.Qemu;

/// <summary>
/// Resource limits for a qemu-img run on an untrusted image, applied with
/// <c>prlimit --cpu=&lt;s&gt; --as=&lt;bytes&gt;</c>: a crafted image (huge tables, loops of
/// references) then fails fast instead of eating the host's memory or CPU. The defaults are
/// VDSM's: 30 s of CPU, 1 GiB of address space.
/// </summary>
public sealed record ProcessLimits(int CpuSeconds = 30, long AddressSpaceBytes = 1L << 30)
{
    public static ProcessLimits Default { get; } = new();
}
