namespace Sanpool.Engine;

/// <summary>
/// The optional <c>vms</c> key of the engine config: what a VM the engine starts boots. The
/// agent's <c>vm.start</c> boots a kernel directly (no firmware, no boot loader), so the engine
/// hands every host the same kernel and initrd, both absolute paths on the hosts (the engine
/// never reads them). Without this key a VM start is refused (VMS_NOT_CONFIGURED).
/// </summary>
public sealed record EngineVmsConfig
{
    public string Kernel { get; init; } = "";

    public string Initrd { get; init; } = "";

    /// <summary>The kernel command line; null: the agent's (serial console, reboot on panic).</summary>
    public string? Append { get; init; }

    /// <summary>The memory every guest gets, overriding each VM's memory_mb; null: the VM's own (at most 4096 MiB, the agent's limit).</summary>
    public int? MemoryMib { get; init; }
}
