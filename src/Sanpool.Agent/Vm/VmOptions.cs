namespace Sanpool.Agent.Vm;

/// <summary>What a <see cref="VmProcess"/> boots: a kernel and initramfs with a command line, and its disks.</summary>
public sealed record VmOptions
{
    /// <summary>The VM's name: qemu's -name, and what every log line and error names.</summary>
    public required string Name { get; init; }

    public required string Kernel { get; init; }

    public required string Initrd { get; init; }

    /// <summary>The kernel command line; the guest program reads its sanpool.* parameters from it.</summary>
    public string Append { get; init; } = Sanpool.Api.Vms.VmStartRequest.DefaultAppend;

    public int MemoryMiB { get; init; } = 256;

    public int Cpus { get; init; } = 1;

    /// <summary>The disks in guest order: the first is /dev/vda.</summary>
    public required IReadOnlyList<VmDrive> Drives { get; init; }

    /// <summary>Where the QMP socket (<c>NAME.qmp</c>) and the serial console log (<c>NAME.serial</c>) go.</summary>
    public required string RunDirectory { get; init; }

    /// <summary>"tcg" or "kvm"; null picks with <see cref="VmAccelerator.Choose()"/>.</summary>
    public string? Accelerator { get; init; }

    public string QemuBinary { get; init; } = "qemu-system-x86_64";

    /// <summary>How long qemu may take to bring its monitor up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Appended to the command line as they are (a NIC, a second serial, ...).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
