using Sanpool.Core;

namespace Sanpool.Pool;

/// <summary>Pool and SPM errors: the -700 band.</summary>
public static class PoolErrors
{
    public static readonly ErrorCode PoolNotFound = new(-700, "POOL_NOT_FOUND");

    /// <summary>The host expected another master domain or MASTER_VERSION (VDSM's StoragePoolWrongMaster).</summary>
    public static readonly ErrorCode WrongMaster = new(-701, "WRONG_MASTER");

    /// <summary>A structural verb reached a host that is not the SPM.</summary>
    public static readonly ErrorCode NotSpm = new(-702, "NOT_SPM");

    /// <summary>spm start while this host is already contending.</summary>
    public static readonly ErrorCode SpmContending = new(-703, "SPM_CONTENDING");

    public static readonly ErrorCode DomainNotInPool = new(-704, "DOMAIN_NOT_IN_POOL");

    public static readonly ErrorCode DomainAttached = new(-705, "DOMAIN_ATTACHED");

    public static readonly ErrorCode TaskNotFound = new(-706, "TASK_NOT_FOUND");

    /// <summary>The SPM lost its lease (or could not renew it) and stopped writing.</summary>
    public static readonly ErrorCode SpmLeaseLost = new(-707, "SPM_LEASE_LOST");

    /// <summary>Every task slot of the master area holds a task that was not cleared.</summary>
    public static readonly ErrorCode TasksFull = new(-709, "TASKS_FULL");

    /// <summary>The task is still running: it cannot be cleared.</summary>
    public static readonly ErrorCode TaskRunning = new(-710, "TASK_RUNNING");

    /// <summary>The domain is in the pool but not Active (e.g. Attached): it cannot become the master.</summary>
    public static readonly ErrorCode DomainNotActive = new(-711, "DOMAIN_NOT_ACTIVE");

    /// <summary>
    /// A request sent with <c>wait: false</c> found an image (or domain) it needs held by a task;
    /// the message names the task. Transient: the same request succeeds once that task ends.
    /// </summary>
    public static readonly ErrorCode ImageBusy = new(-712, "IMAGE_BUSY");

    /// <summary>
    /// spm.start named the pool's SPM as the caller last saw it (previous SPM host id and SDM lease
    /// version), and the master's keys say otherwise now: the role changed hands since. Not
    /// transient: the caller must look at the pool again before it asks.
    /// </summary>
    public static readonly ErrorCode SpmChanged = new(-713, "SPM_CHANGED");
}
