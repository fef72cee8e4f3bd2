namespace Sanpool.Engine.Model;

/// <summary>A VM's status, <c>vm_dynamic.status</c>; the engine's VMStatus values (the ones Sanpool uses).</summary>
public enum VmStatus
{
    Unassigned = -1,
    Down = 0,
    Up = 1,
    PoweringUp = 2,
    Paused = 4,
    Unknown = 7,
    NotResponding = 8,
    WaitForLaunch = 9,
    PoweringDown = 16,
}
