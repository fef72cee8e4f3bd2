using Sanpool.Core;

namespace Sanpool.Leases;

/// <summary>
/// Lease codes, band -200 .. -299. Where sanlock has a code for the same condition
/// (sanlock_rv.h), the number is sanlock's, so that logs and scripts read the same.
/// </summary>
public static class LeaseErrors
{
    public static readonly ErrorCode Error = new(-201, "ERROR");
    public static readonly ErrorCode IoTimeout = new(-202, "AIO_TIMEOUT");
    public static readonly ErrorCode DblockRead = new(-210, "DBLOCK_READ");
    public static readonly ErrorCode DblockWrite = new(-211, "DBLOCK_WRITE");
    public static readonly ErrorCode DblockLver = new(-212, "DBLOCK_LVER");
    public static readonly ErrorCode DblockMbal = new(-213, "DBLOCK_MBAL");
    public static readonly ErrorCode DblockChecksum = new(-214, "DBLOCK_CHECKSUM");
    public static readonly ErrorCode LeaderRead = new(-220, "LEADER_READ");
    public static readonly ErrorCode LeaderWrite = new(-221, "LEADER_WRITE");
    public static readonly ErrorCode LeaderDiff = new(-222, "LEADER_DIFF");
    public static readonly ErrorCode LeaderMagic = new(-223, "LEADER_MAGIC");
    public static readonly ErrorCode LeaderVersion = new(-224, "LEADER_VERSION");
    public static readonly ErrorCode LeaderSectorSize = new(-225, "LEADER_SECTORSIZE");
    public static readonly ErrorCode LeaderLockspace = new(-226, "LEADER_LOCKSPACE");
    public static readonly ErrorCode LeaderResource = new(-227, "LEADER_RESOURCE");
    public static readonly ErrorCode LeaderNumHosts = new(-228, "LEADER_NUMHOSTS");
    public static readonly ErrorCode LeaderChecksum = new(-229, "LEADER_CHECKSUM");
    public static readonly ErrorCode InvalidHostId = new(-231, "ADDLS_INVALID_HOSTID");
    public static readonly ErrorCode AcquireLver = new(-240, "ACQUIRE_LVER");
    public static readonly ErrorCode AcquireLockspace = new(-241, "ACQUIRE_LOCKSPACE");
    public static readonly ErrorCode AcquireIdDisk = new(-242, "ACQUIRE_IDDISK");
    public static readonly ErrorCode AcquireIdLive = new(-243, "ACQUIRE_IDLIVE");
    public static readonly ErrorCode AcquireOwned = new(-244, "ACQUIRE_OWNED");
    public static readonly ErrorCode AcquireOther = new(-245, "ACQUIRE_OTHER");
    public static readonly ErrorCode AcquireSharedRetry = new(-246, "ACQUIRE_SHRETRY");
    public static readonly ErrorCode ReleaseLver = new(-250, "RELEASE_LVER");
    public static readonly ErrorCode ReleaseOwner = new(-251, "RELEASE_OWNER");
    public static readonly ErrorCode RenewOwner = new(-260, "RENEW_OWNER");
    public static readonly ErrorCode RenewDiff = new(-261, "RENEW_DIFF");
    public static readonly ErrorCode HostIdBusy = new(-262, "HOSTID_BUSY");
    public static readonly ErrorCode RequestMagic = new(-270, "REQUEST_MAGIC");
    public static readonly ErrorCode RequestVersion = new(-271, "REQUEST_VERSION");

    // Sanpool's own, where sanlock uses a plain errno.
    public static readonly ErrorCode Busy = new(-280, "BUSY"); // EAGAIN: a live shared holder blocks exclusive
    public static readonly ErrorCode NotHeld = new(-281, "NOT_HELD");
    public static readonly ErrorCode LockspaceFailed = new(-282, "LOCKSPACE_FAILED");
    public static readonly ErrorCode BadGeometry = new(-283, "BAD_GEOMETRY");
    public static readonly ErrorCode NoLockspace = new(-284, "NO_LOCKSPACE");

    /// <summary>The lease-level error for a failed or timed-out I/O.</summary>
    public static SanpoolException FromIo(SanpoolException io, ErrorCode whenFailed) =>
        io.Code.Value == -302 // BlockIoErrors.IoTimeout
            ? new SanpoolException(IoTimeout, io.Message, isTransient: true, io)
            : new SanpoolException(whenFailed, io.Message, isTransient: true, io);
}
