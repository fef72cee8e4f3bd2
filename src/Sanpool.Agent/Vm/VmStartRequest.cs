using Sanpool.Pool;

namespace Sanpool.Agent.Vm;

/// <summary>
/// <c>vm.start</c>'s arguments: a VM booting <see cref="Kernel"/> and <see cref="Initrd"/> with
/// the prepared image as its disk (vda) and, optionally, a read-only raw file (vdb) the guest
/// may copy from.
/// </summary>
internal sealed record VmStartRequest(string Name, Guid Domain, Guid Image, string Kernel, string Initrd, string Append, string? Source, int MemoryMiB)
{
    /// <summary>The id of the VM's disk drive (the prepared image).</summary>
    public const string DiskId = "disk0";

    public static VmStartRequest From(VerbArgs a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new VmStartRequest(
            a.Required("name"),
            a.Uuid("domain"),
            a.Uuid("image"),
            a.Required("kernel"),
            a.Required("initrd"),
            a.Optional("append") ?? "console=ttyS0 panic=-1 quiet",
            a.Optional("source"),
            a.Int("memory_mib", 64, 4096, 256));
    }
}
