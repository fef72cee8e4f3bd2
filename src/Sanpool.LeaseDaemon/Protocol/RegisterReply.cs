namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Registered: the pid the daemon knows this client by (from SO_PEERCRED).</summary>
public sealed record RegisterReply : DaemonReply
{
    public int Pid { get; init; }
}
