namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>A registered client's sign of life (any request counts as one).</summary>
public sealed record HeartbeatRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.Heartbeat;
}
