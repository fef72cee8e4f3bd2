using Microsoft.Extensions.Logging;

namespace Sanpool.LeaseDaemon;

/// <summary>
/// Every message the daemon logs, with stable event ids (4000 band). Messages name the host,
/// lockspace, resource, lver and pid they are about. Fencing is logged at Critical: a killed
/// holder is something an operator must see.
/// </summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "lease daemon for host '{Host}' listening on {Socket} (pid {Pid})")]
    public static partial void Started(ILogger logger, string host, string socket, int pid);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "lease daemon for host '{Host}' stopping: releasing every resource and leaving every lockspace")]
    public static partial void Stopping(ILogger logger, string host);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "lease daemon for host '{Host}' stopped")]
    public static partial void Stopped(ILogger logger, string host);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "connection from pid {Pid} uid {Uid}")]
    public static partial void Connected(ILogger logger, int pid, uint uid);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "host '{Host}': client pid {Pid} registered (heartbeat: {Heartbeat})")]
    public static partial void Registered(ILogger logger, string host, int pid, string heartbeat);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "host '{Host}': client pid {Pid} gone (connection closed) holding {Count} resource(s)")]
    public static partial void ClientGone(ILogger logger, string host, int pid, int count);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "host '{Host}': joining lockspace {Lockspace} as host id {HostId} at {Path}:{Offset}, io_timeout {IoTimeout} s")]
    public static partial void Joining(ILogger logger, string host, string lockspace, int hostId, string path, long offset, int ioTimeout);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information, Message = "host '{Host}': joined lockspace {Lockspace} as host id {HostId}, generation {Generation}")]
    public static partial void Joined(ILogger logger, string host, string lockspace, int hostId, ulong generation);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Information, Message = "host '{Host}': left lockspace {Lockspace} (host id {HostId} released)")]
    public static partial void Left(ILogger logger, string host, string lockspace, int hostId);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Critical, Message = "host '{Host}': LOCKSPACE {Lockspace} FAILED (host id {HostId}): {Reason}; killing {Holders} holder process(es); their leases stay on disk and expire with the host id")]
    public static partial void LockspaceFailed(ILogger logger, string host, string lockspace, int hostId, string reason, int holders);

    [LoggerMessage(EventId = 4024, Level = LogLevel.Warning, Message = "host '{Host}': failed lockspace {Lockspace} (host id {HostId}) removed: no holder left")]
    public static partial void FailedLockspaceRemoved(ILogger logger, string host, string lockspace, int hostId);

    [LoggerMessage(EventId = 4025, Level = LogLevel.Warning, Message = "host '{Host}': lockspace {Lockspace} host id {HostId} NOT released: {Reason}; it expires on its own")]
    public static partial void NotLeft(ILogger logger, string host, string lockspace, int hostId, string reason);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Information, Message = "host '{Host}': pid {Pid} acquired {Lockspace}:{Resource} lver {Lver}{Mode}")]
    public static partial void Acquired(ILogger logger, string host, int pid, string lockspace, string resource, ulong lver, string mode);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Information, Message = "host '{Host}': released {Lockspace}:{Resource} lver {Lver} of pid {Pid} ({Why})")]
    public static partial void Released(ILogger logger, string host, int pid, string lockspace, string resource, ulong lver, string why);

    [LoggerMessage(EventId = 4032, Level = LogLevel.Error, Message = "host '{Host}': releasing {Lockspace}:{Resource} lver {Lver} of pid {Pid} failed: {Error}")]
    public static partial void ReleaseFailed(ILogger logger, string host, int pid, string lockspace, string resource, ulong lver, string error);

    [LoggerMessage(EventId = 4033, Level = LogLevel.Critical, Message = "host '{Host}': NOT releasing {Lockspace}:{Resource} lver {Lver} of pid {Pid}: {Reason}")]
    public static partial void NotReleased(ILogger logger, string host, int pid, string lockspace, string resource, ulong lver, string reason);

    [LoggerMessage(EventId = 4034, Level = LogLevel.Warning, Message = "host '{Host}': pid {Pid} could not acquire {Resource}: {Error}")]
    public static partial void AcquireFailed(ILogger logger, string host, int pid, string resource, string error);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Critical, Message = "host '{Host}': FENCING pid {Pid} ({Reason}); it holds {Resources}")]
    public static partial void Fencing(ILogger logger, string host, int pid, string reason, string resources);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Critical, Message = "host '{Host}': sending {Signal} to pid {Pid} ({State})")]
    public static partial void Signalled(ILogger logger, string host, string signal, int pid, string state);

    [LoggerMessage(EventId = 4042, Level = LogLevel.Warning, Message = "host '{Host}': fenced pid {Pid} is gone after {Seconds:0.0} s")]
    public static partial void FencedGone(ILogger logger, string host, int pid, double seconds);

    [LoggerMessage(EventId = 4043, Level = LogLevel.Error, Message = "host '{Host}': pid {Pid} still alive {Seconds:0} s after SIGKILL (uninterruptible I/O?); its leases stay held")]
    public static partial void StillAlive(ILogger logger, string host, int pid, double seconds);

    [LoggerMessage(EventId = 4044, Level = LogLevel.Error, Message = "host '{Host}': pid {Pid} is the daemon itself (an in-process client); it is not signalled: {Reason}")]
    public static partial void CannotFenceSelf(ILogger logger, string host, int pid, string reason);

    [LoggerMessage(EventId = 4045, Level = LogLevel.Critical, Message = "host '{Host}': holder pid {Pid} has been stopped for {Seconds:0.0} s (threshold {Threshold:0.0} s)")]
    public static partial void HolderStopped(ILogger logger, string host, int pid, double seconds, double threshold);

    [LoggerMessage(EventId = 4046, Level = LogLevel.Critical, Message = "host '{Host}': holder pid {Pid} missed its heartbeat: silent {Seconds:0.0} s (interval {Interval:0.0} s, threshold {Threshold:0.0} s)")]
    public static partial void HeartbeatMissed(ILogger logger, string host, int pid, double seconds, double interval, double threshold);

    [LoggerMessage(EventId = 4047, Level = LogLevel.Error, Message = "host '{Host}': cannot send {Signal} to pid {Pid}: {Error}")]
    public static partial void SignalFailed(ILogger logger, string host, string signal, int pid, string error);

    [LoggerMessage(EventId = 4050, Level = LogLevel.Error, Message = "background task '{What}' failed")]
    public static partial void BackgroundFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Error, Message = "request '{Verb}' from pid {Pid} failed unexpectedly")]
    public static partial void RequestCrashed(ILogger logger, string verb, int pid, Exception exception);

    [LoggerMessage(EventId = 4052, Level = LogLevel.Debug, Message = "request from pid {Pid} refused: {Error}")]
    public static partial void Refused(ILogger logger, int pid, string error);
}
