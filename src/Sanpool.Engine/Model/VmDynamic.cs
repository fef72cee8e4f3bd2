namespace Sanpool.Engine.Model;

/// <summary>
/// A row of <c>vm_dynamic</c>: a VM's run state, the host it runs on, why it is paused (ENOSPC:
/// for lack of space), when it last started and stopped, and why it last went down.
/// </summary>
public sealed record VmDynamic(
    Guid VmGuid, VmStatus Status, Guid? RunOnVds, string? PauseReason,
    DateTimeOffset? LastStartTime = null, DateTimeOffset? LastStopTime = null, string? ExitMessage = null);
