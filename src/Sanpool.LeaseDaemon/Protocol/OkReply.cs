namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Success with nothing to return (heartbeat, add/rem_lockspace, release).</summary>
public sealed record OkReply : DaemonReply
{
    public string? Message { get; init; }
}
