namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// The request verbs. The wire protocol is one JSON object per line each way, over
/// <c>RUN_DIR/sanpool-leased.sock</c>: a request names its verb in <c>"verb"</c>; every reply
/// has <c>"ok"</c>, and a failed one <c>"code"</c>, <c>"name"</c>, <c>"message"</c> and
/// <c>"transient"</c>. Replies come in request order; one connection is one client.
/// </summary>
public static class Verbs
{
    /// <summary>The connection becomes the client process that SO_PEERCRED names; its resources live as long as it.</summary>
    public const string Register = "register";

    /// <summary>A registered client that asked for a heartbeat interval says it is alive.</summary>
    public const string Heartbeat = "heartbeat";

    public const string AddLockspace = "add_lockspace";
    public const string RemLockspace = "rem_lockspace";
    public const string Acquire = "acquire";
    public const string Release = "release";
    public const string Inquire = "inquire";
    public const string Status = "status";
    public const string HostStatus = "host_status";
}
