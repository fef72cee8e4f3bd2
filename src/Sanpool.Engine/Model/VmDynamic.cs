namespace Sanpool.Engine.Model;

/// <summary>A row of <c>vm_dynamic</c>: a VM's run state.</summary>
public sealed record VmDynamic(Guid VmGuid, VmStatus Status, Guid? RunOnVds, string? PauseReason);
