using Sanpool.Api.Binding;

namespace Sanpool.Api.Vms;

/// <summary>
/// <c>vm.start</c>: a VM booting <see cref="Kernel"/> and <see cref="Initrd"/> with the prepared
/// image as its disk (vda) and, optionally, a read-only raw file <see cref="Source"/> (vdb) the
/// guest may copy from. <see cref="MemoryMib"/> defaults to 256.
/// </summary>
public sealed record VmStartRequest(
    string Name,
    Guid Domain,
    Guid Image,
    string Kernel,
    string Initrd,
    string? Append = null,
    string? Source = null,
    [Between(64, 4096)] int? MemoryMib = null)
{
    /// <summary>
    /// The guest's serial console, a reboot instead of a hang on panic, and no_timer_check: an
    /// emulated (TCG) guest on a busy host can miss the kernel's early IO-APIC timer check and
    /// panic at boot ("IO-APIC + timer doesn't work!"); the check proves nothing under emulation.
    /// </summary>
    public const string DefaultAppend = "console=ttyS0 no_timer_check panic=-1 quiet";

    public const int DefaultMemoryMib = 256;
}
