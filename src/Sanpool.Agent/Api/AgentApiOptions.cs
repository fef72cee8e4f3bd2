using System.Net;

namespace Sanpool.Agent.Api;

/// <summary>
/// Where and how the agent API listens. The unix socket is always served and needs no token:
/// its file mode (0600) lets only the agent's user connect. TCP is optional and every TCP
/// request must carry <c>Authorization: Bearer &lt;Token&gt;</c>.
/// </summary>
public sealed record AgentApiOptions
{
    /// <summary>The unix socket path (at most 107 bytes). A stale socket file there is removed at start.</summary>
    public required string SocketPath { get; init; }

    /// <summary>Also listen on this TCP endpoint (port 0: an ephemeral port, see <see cref="AgentApiServer.TcpEndPoint"/>).</summary>
    public IPEndPoint? TcpEndPoint { get; init; }

    /// <summary>The bearer token TCP requests must carry; required when <see cref="TcpEndPoint"/> is set.</summary>
    public string? Token { get; init; }

    /// <summary>The host the agent runs for, named in every log line.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Largest request body; larger is 413.</summary>
    public int MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Longest verb name; longer is 400.</summary>
    public int MaxVerbLength { get; init; } = 64;

    /// <summary>Most arguments in one request.</summary>
    public int MaxArguments { get; init; } = 32;

    /// <summary>Longest argument name, in characters.</summary>
    public int MaxArgumentNameLength { get; init; } = 64;

    /// <summary>Longest argument value, in characters.</summary>
    public int MaxArgumentLength { get; init; } = 4096;

    /// <summary>
    /// How long a verb may take before the request fails with AGENT_TIMEOUT (503, transient).
    /// Structural verbs return a task at once; the longest wait is spm.start contending for the
    /// SPM lease, bounded by sanlock's host_dead (80 s at io_timeout 10), hence two minutes.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The clock of the request timeout and of the logged durations.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Most connections served at once, over both listeners.</summary>
    public int MaxConnections { get; init; } = 256;
}
