using Sanpool.Core;

namespace Sanpool.Engine;

/// <summary>
/// Codes of sanpool-engine's database layer, band -1000 .. -1049 (-1050 .. -1099 belong to the
/// engine's web and security codes, in their own file).
/// </summary>
public static class EngineErrors
{
    /// <summary>The database cannot be opened or reached; transient.</summary>
    public static readonly ErrorCode DbUnreachable = new(-1000, "DB_UNREACHABLE");

    /// <summary>The database was migrated by a newer engine than this one: this engine refuses to start on it.</summary>
    public static readonly ErrorCode DbSchemaNewer = new(-1001, "DB_SCHEMA_NEWER");

    /// <summary>A schema migration failed; its transaction was rolled back.</summary>
    public static readonly ErrorCode DbMigrationFailed = new(-1002, "DB_MIGRATION_FAILED");

    /// <summary>No row with that id.</summary>
    public static readonly ErrorCode NotFound = new(-1003, "NOT_FOUND");

    /// <summary>The row exists already, or the entity is in a state that forbids the change (LOCKED, say).</summary>
    public static readonly ErrorCode Conflict = new(-1004, "CONFLICT");

    /// <summary>A row refers to one that does not exist, or breaks a check constraint.</summary>
    public static readonly ErrorCode DbConstraint = new(-1005, "DB_CONSTRAINT");

    /// <summary>All 250 host ids of a pool's lockspace are taken.</summary>
    public static readonly ErrorCode SpmIdsExhausted = new(-1006, "SPM_IDS_EXHAUSTED");

    /// <summary>409: a host with that host id (its id in the pool's lockspaces) is in the pool already.</summary>
    public static readonly ErrorCode HostIdExists = new(-1010, "HOST_ID_EXISTS");

    /// <summary>409: a host with that agent address is known already.</summary>
    public static readonly ErrorCode HostAddressExists = new(-1011, "HOST_ADDRESS_EXISTS");

    /// <summary>409: a host of that name is known already.</summary>
    public static readonly ErrorCode HostNameExists = new(-1012, "HOST_NAME_EXISTS");

    public static readonly ErrorCode HostNotFound = new(-1013, "HOST_NOT_FOUND");

    public static readonly ErrorCode DataCenterNotFound = new(-1014, "DATA_CENTER_NOT_FOUND");

    public static readonly ErrorCode StorageDomainNotFound = new(-1015, "STORAGE_DOMAIN_NOT_FOUND");

    public static readonly ErrorCode DiskNotFound = new(-1016, "DISK_NOT_FOUND");

    /// <summary>409: the host's state forbids the action (a host is removed only in Maintenance; the SPM cannot go to Maintenance yet).</summary>
    public static readonly ErrorCode HostStateConflict = new(-1017, "HOST_STATE_CONFLICT");

    /// <summary>400: an SPM priority outside -1 .. 10.</summary>
    public static readonly ErrorCode InvalidSpmPriority = new(-1018, "INVALID_SPM_PRIORITY");

    /// <summary>400: an agent address that is neither an absolute socket path nor an http(s) URL, or a host name the engine does not take.</summary>
    public static readonly ErrorCode InvalidHost = new(-1019, "INVALID_HOST");

    /// <summary>400: an id in a path that is not a UUID.</summary>
    public static readonly ErrorCode InvalidId = new(-1020, "INVALID_ID");

    /// <summary>409: the host cannot be SPM: priority -1 (never), not Up, or in no data center.</summary>
    public static readonly ErrorCode SpmNotAllowed = new(-1021, "SPM_NOT_ALLOWED");

    /// <summary>409: the data center's SPM is being started or moved right now, or its SPM does not answer.</summary>
    public static readonly ErrorCode SpmConflict = new(-1022, "SPM_CONFLICT");

    /// <summary>409: the SPM runs tasks; the role moves by hand only once they end.</summary>
    public static readonly ErrorCode SpmTasksRunning = new(-1023, "SPM_TASKS_RUNNING");

    // -1024 .. -1029: running VMs (VmRunJobs).

    /// <summary>409: starting a VM needs the engine config's <c>vms</c> section (the kernel and initrd the hosts boot it with).</summary>
    public static readonly ErrorCode VmsNotConfigured = new(-1024, "VMS_NOT_CONFIGURED");

    /// <summary>409: a start of a VM that is not Down (the message says its status and host).</summary>
    public static readonly ErrorCode VmNotDown = new(-1025, "VM_NOT_DOWN");

    /// <summary>409: a stop of a VM that is Down already.</summary>
    public static readonly ErrorCode VmNotRunning = new(-1026, "VM_NOT_RUNNING");

    /// <summary>409: the VM's disks are not what a host runs yet: exactly one disk (the agent runs one image per VM).</summary>
    public static readonly ErrorCode VmDisksUnsupported = new(-1027, "VM_DISKS_UNSUPPORTED");

    /// <summary>409: a job works on the disk (the message names it); its volumes are LOCKED until it ends.</summary>
    public static readonly ErrorCode DiskLocked = new(-1040, "DISK_LOCKED");

    /// <summary>409: a volume of the disk is ILLEGAL: reconciliation must settle it before another action.</summary>
    public static readonly ErrorCode DiskIllegal = new(-1041, "DISK_ILLEGAL");

    /// <summary>400: a disk request the engine does not take (size, format, alias).</summary>
    public static readonly ErrorCode InvalidDisk = new(-1042, "INVALID_DISK");

    /// <summary>409: the storage domain is not Active in its data center.</summary>
    public static readonly ErrorCode StorageDomainStateConflict = new(-1043, "STORAGE_DOMAIN_STATE_CONFLICT");

    /// <summary>503, transient: no host of the data center is Up to carry the action to its SPM.</summary>
    public static readonly ErrorCode NoHostUp = new(-1044, "NO_HOST_UP");

    public static readonly ErrorCode JobNotFound = new(-1045, "JOB_NOT_FOUND");

    /// <summary>400: a copy or move to a domain it cannot go to (the disk's own domain for a move, another data center).</summary>
    public static readonly ErrorCode InvalidTargetDomain = new(-1046, "INVALID_TARGET_DOMAIN");

    public static readonly ErrorCode TemplateNotFound = new(-1047, "TEMPLATE_NOT_FOUND");

    /// <summary>400: a template request the engine does not take (name, its VM, a VM's template).</summary>
    public static readonly ErrorCode InvalidTemplate = new(-1048, "INVALID_TEMPLATE");

    public static readonly ErrorCode VmNotFound = new(-1030, "VM_NOT_FOUND");

    /// <summary>400: a VM request the engine does not take (name, memory, disks).</summary>
    public static readonly ErrorCode InvalidVm = new(-1031, "INVALID_VM");

    /// <summary>409: the VM runs (the message names its host): until live snapshots exist, its volumes are not changed under it.</summary>
    public static readonly ErrorCode VmIsRunning = new(-1032, "VM_IS_RUNNING");

    public static readonly ErrorCode SnapshotNotFound = new(-1033, "SNAPSHOT_NOT_FOUND");

    /// <summary>409: a job works on the VM or its snapshots (the message names it).</summary>
    public static readonly ErrorCode VmLocked = new(-1034, "VM_LOCKED");

    /// <summary>409: the disk is attached to another VM.</summary>
    public static readonly ErrorCode DiskInUse = new(-1035, "DISK_IN_USE");

    /// <summary>409: another VM has that name.</summary>
    public static readonly ErrorCode VmNameExists = new(-1036, "VM_NAME_EXISTS");

    // -1066 .. -1069: a data center's storage domain actions. (-1060 .. -1065 of the same reserved
    // block were taken by WebErrors before the block was handed out.)

    /// <summary>409: the action is not for the master domain (detach, maintenance): move the master role to another Active domain first.</summary>
    public static readonly ErrorCode StorageDomainIsMaster = new(-1066, "STORAGE_DOMAIN_IS_MASTER");

    /// <summary>409: the domain holds disks of running VMs, LOCKED disks, or volumes a job or an SPM task works on (the message names them).</summary>
    public static readonly ErrorCode StorageDomainInUse = new(-1067, "STORAGE_DOMAIN_IN_USE");

    /// <summary>409: the domain is attached to a data center already (this one or another).</summary>
    public static readonly ErrorCode StorageDomainAttached = new(-1068, "STORAGE_DOMAIN_ATTACHED");

    /// <summary>503, transient: the data center has no SPM that answers now; the pool verbs run only on the SPM.</summary>
    public static readonly ErrorCode DataCenterNoSpm = new(-1069, "DATA_CENTER_NO_SPM");
}
