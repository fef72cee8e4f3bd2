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

    /// <summary>Disk jobs (oVirt's names where it has the event): started, and how each ended.</summary>
    USER_ADD_DISK = 1200,
    USER_ADD_DISK_FINISHED_SUCCESS = 1201,
    USER_ADD_DISK_FINISHED_FAILURE = 1202,
    USER_REMOVE_DISK = 1203,
    USER_FINISHED_REMOVE_DISK = 1204,
    USER_FINISHED_FAILED_REMOVE_DISK = 1205,

    /// <summary>A disk's rows were made to agree with the storage (the fixes are in the message).</summary>
    DISK_RECONCILED = 1210,
    DOMAIN_NEEDS_ADMIN = 1211,

    USER_ADD_VM = 1220,
    USER_CREATE_SNAPSHOT = 1221,
    USER_CREATE_SNAPSHOT_FINISHED_SUCCESS = 1222,
    USER_CREATE_SNAPSHOT_FINISHED_FAILURE = 1223,
    USER_REMOVE_SNAPSHOT = 1224,
    USER_REMOVE_SNAPSHOT_FINISHED_SUCCESS = 1225,
    USER_REMOVE_SNAPSHOT_FINISHED_FAILURE = 1226,

    /// <summary>Disk copies and moves between domains, and templates (oVirt's names): started, and how each ended.</summary>
    USER_COPIED_DISK = 1230,
    USER_COPIED_DISK_FINISHED_SUCCESS = 1231,
    USER_COPIED_DISK_FINISHED_FAILURE = 1232,
    USER_MOVED_DISK = 1233,
    USER_MOVED_DISK_FINISHED_SUCCESS = 1234,
    USER_MOVED_DISK_FINISHED_FAILURE = 1235,
    USER_ADD_VM_TEMPLATE = 1236,
    USER_ADD_VM_TEMPLATE_FINISHED_SUCCESS = 1237,
    USER_ADD_VM_TEMPLATE_FINISHED_FAILURE = 1238,

    /// <summary>A VM made from a template could not have its disks (a VM that could is USER_ADD_VM).</summary>
    USER_ADD_VM_FINISHED_FAILURE = 1239,

    /// <summary>A data center's storage domain actions, each as it ended (oVirt's names where it has the event).</summary>
    USER_ATTACH_STORAGE_DOMAIN_TO_POOL = 1240,
    USER_ATTACH_STORAGE_DOMAIN_TO_POOL_FAILED = 1241,
    USER_DETACH_STORAGE_DOMAIN_FROM_POOL = 1242,
    USER_DETACH_STORAGE_DOMAIN_FROM_POOL_FAILED = 1243,
    USER_DEACTIVATED_STORAGE_DOMAIN = 1244,
    USER_DEACTIVATE_STORAGE_DOMAIN_FAILED = 1245,
    USER_ACTIVATED_STORAGE_DOMAIN = 1246,
    USER_ACTIVATE_STORAGE_DOMAIN_FAILED = 1247,
    USER_MOVED_MASTER_STORAGE_DOMAIN = 1248,
    USER_MOVE_MASTER_STORAGE_DOMAIN_FAILED = 1249,

    /// <summary>VMs run on hosts (oVirt's names): a start and a stop as jobs, and what the VM monitor sees.</summary>
    USER_STARTED_VM = 1250,
    USER_RUN_VM = 1251,
    USER_FAILED_RUN_VM = 1252,
    USER_STOPPING_VM = 1253,
    USER_STOP_VM = 1254,
    USER_FAILED_STOP_VM = 1255,
    VM_DOWN = 1256,
    VM_PAUSED_ENOSPC = 1257,
    VM_PAUSED = 1258,
    VM_RECOVERED_FROM_PAUSE_ERROR = 1259,
    VM_NOT_RESPONDING = 1260,
}
