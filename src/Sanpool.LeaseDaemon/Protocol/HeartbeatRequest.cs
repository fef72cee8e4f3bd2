namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>A registered client's sign of life (any request counts as one).</summary>
public sealed record HeartbeatRequest
{
    public string Verb => Verbs.Heartbeat;
}
