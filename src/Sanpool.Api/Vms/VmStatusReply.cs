namespace Sanpool.Api.Vms;

/// <summary>
/// A VM of this host (<c>vm.start</c>, <c>vm.status</c>): its qemu's pid and run state, its disk
/// (image, leaf, drive), how often and how long it paused for space, and the last RESULT and
/// PROGRESS lines the guest wrote to its serial console.
/// </summary>
public sealed record VmStatusReply
{
    public required string Name { get; init; }

    public int HostId { get; init; }

    public int? Pid { get; init; }

    /// <summary>qemu's run state (running, paused, ...), or exited.</summary>
    public required string State { get; init; }

    public Guid Domain { get; init; }

    public Guid Image { get; init; }

    public Guid Leaf { get; init; }

    public string Drive { get; init; } = "";

    public int Pauses { get; init; }

    public double PausedMs { get; init; }

    public long? LvSize { get; init; }

    public string? Result { get; init; }

    public string? Progress { get; init; }

    public string? Serial { get; init; }
}
