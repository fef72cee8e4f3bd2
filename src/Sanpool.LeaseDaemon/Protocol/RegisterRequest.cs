namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// Registers the connection as the client process SO_PEERCRED names. With a heartbeat
/// interval, the client promises a request at least that often; one that misses it by the
/// stopped-holder threshold is fenced like a frozen holder.
/// </summary>
public sealed record RegisterRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.Register;

    /// <summary>Milliseconds between heartbeats; null: no heartbeat.</summary>
    public int? HeartbeatMs { get; init; }
}
