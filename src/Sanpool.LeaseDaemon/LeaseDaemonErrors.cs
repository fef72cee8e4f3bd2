using Sanpool.Core;

namespace Sanpool.LeaseDaemon;

/// <summary>
/// The lease daemon's codes, band -400 .. -499. A failure reply carries the code of whatever
/// failed: one of these, a lease code (-200 band, e.g. NO_LOCKSPACE, ACQUIRE_IDLIVE), a block
/// I/O code or a usage code. Clients rebuild the same <see cref="ErrorCode"/> from the reply.
/// </summary>
public static class LeaseDaemonErrors
{
    /// <summary>The request is not valid JSON, lacks a field, or has a field of the wrong type.</summary>
    public static readonly ErrorCode BadRequest = new(-401, "BAD_REQUEST");

    public static readonly ErrorCode UnknownVerb = new(-402, "UNKNOWN_VERB");

    /// <summary>The connection, or the pid named by the request, is not a registered client.</summary>
    public static readonly ErrorCode NotRegistered = new(-403, "NOT_REGISTERED");

    public static readonly ErrorCode AlreadyRegistered = new(-404, "ALREADY_REGISTERED");

    /// <summary>add_lockspace for a lockspace this daemon has joined or is joining (sanlock: -EEXIST).</summary>
    public static readonly ErrorCode LockspaceExists = new(-405, "LOCKSPACE_EXISTS");

    /// <summary>rem_lockspace while clients hold resources in it, without force (sanlock: -EBUSY).</summary>
    public static readonly ErrorCode LockspaceBusy = new(-406, "LOCKSPACE_BUSY");

    /// <summary>The resource is already held, or being acquired, by a client of this daemon (sanlock: -EEXIST).</summary>
    public static readonly ErrorCode ResourceHeld = new(-407, "RESOURCE_HELD");

    /// <summary>A helper connection acted on a client of another user.</summary>
    public static readonly ErrorCode PermissionDenied = new(-408, "PERMISSION_DENIED");

    /// <summary>No daemon listens on the run directory's socket.</summary>
    public static readonly ErrorCode NotRunning = new(-409, "DAEMON_NOT_RUNNING");

    /// <summary>Another daemon holds the run directory's pid file.</summary>
    public static readonly ErrorCode AlreadyRunning = new(-410, "DAEMON_RUNNING");

    /// <summary>The peer broke the protocol: a reply that is not JSON, or the connection closed mid-request.</summary>
    public static readonly ErrorCode Protocol = new(-411, "PROTOCOL");

    /// <summary><c>lease command</c> could not exec the program; its leases were released.</summary>
    public static readonly ErrorCode ExecFailed = new(-412, "EXEC_FAILED");

    public static readonly ErrorCode ShuttingDown = new(-413, "SHUTTING_DOWN");

    /// <summary>An unexpected failure inside the daemon; the message says what.</summary>
    public static readonly ErrorCode Internal = new(-414, "INTERNAL");
}
