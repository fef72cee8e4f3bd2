namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>The whole daemon: who it is, its lockspaces and its clients.</summary>
public sealed record StatusReply : DaemonReply
{
    public string HostName { get; init; } = "";

    public int DaemonPid { get; init; }

    public IReadOnlyList<LockspaceInfo> Lockspaces { get; init; } = [];

    public IReadOnlyList<ClientInfo> Clients { get; init; } = [];
}
