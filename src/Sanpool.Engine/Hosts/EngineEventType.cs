namespace Sanpool.Engine.Hosts;

/// <summary>
/// The kinds of event (<c>audit_log.log_type</c>, its name in <c>log_type_name</c>) the host and
/// data-center code writes. Sanpool's own stable numbers, not oVirt's AuditLogType values.
/// </summary>
public enum EngineEventType
{
    HOST_ADDED = 1100,
    HOST_UP = 1101,
    HOST_NON_RESPONSIVE = 1102,
    HOST_NON_OPERATIONAL = 1103,
    HOST_MAINTENANCE = 1104,
    HOST_ACTIVATED = 1105,
    HOST_REMOVED = 1106,
    DATA_CENTER_IMPORTED = 1110,
    SPM_CHANGED = 1111,
    SPM_STARTED = 1112,
    SPM_START_FAILED = 1113,
    SPM_STOPPED = 1114,
}
