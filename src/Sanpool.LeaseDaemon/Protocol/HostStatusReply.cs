namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Every host id record of a lockspace that is or was held, with its liveness.</summary>
public sealed record HostStatusReply : DaemonReply
{
    public string Lockspace { get; init; } = "";

    public IReadOnlyList<HostInfo> Hosts { get; init; } = [];
}
