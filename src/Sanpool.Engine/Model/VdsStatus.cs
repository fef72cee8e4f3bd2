namespace Sanpool.Engine.Model;

/// <summary>A host's status, <c>vds_dynamic.status</c>; the engine's VDSStatus values.</summary>
public enum VdsStatus
{
    Unassigned = 0,
    Down = 1,
    Maintenance = 2,
    Up = 3,
    NonResponsive = 4,
    Error = 5,
    Installing = 6,
    InstallFailed = 7,
    Reboot = 8,
    PreparingForMaintenance = 9,
    NonOperational = 10,
    PendingApproval = 11,
    Initializing = 12,
    Connecting = 13,
}
