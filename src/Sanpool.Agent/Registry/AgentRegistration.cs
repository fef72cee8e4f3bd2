using System.Text.Json;

namespace Sanpool.Agent.Registry;

/// <summary>
/// What a running agent tells the command-line tool on its own host, in one small JSON file of
/// <see cref="AgentRegistry.Directory"/>: where its API socket is, which pool it serves and as
/// which host id. The CLI trusts none of it blindly: it asks the socket (<c>domain.info</c>)
/// before it sends a verb there, so a file left by a killed agent costs one failed connect.
/// <code>
/// {"socket": "/run/sanpool/host1/agent.sock", "pool": "&lt;uuid&gt;", "master": "&lt;uuid&gt;", "host_id": 1, "pid": 4242}
/// </code>
/// </summary>
public sealed record AgentRegistration
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The agent's unix socket, an absolute path.</summary>
    public required string Socket { get; init; }

    public required Guid Pool { get; init; }

    public required Guid Master { get; init; }

    public required int HostId { get; init; }

    /// <summary>The agent's process id: only the process that wrote the file removes it.</summary>
    public required int Pid { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>The registration in <paramref name="json"/>, or null if it is not one (a half-written or foreign file).</summary>
    public static AgentRegistration? TryParse(string json)
    {
        try
        {
            var r = JsonSerializer.Deserialize<AgentRegistration>(json, Options);
            return r is { Socket.Length: > 0 } && r.Pool != Guid.Empty && r.HostId > 0 ? r : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
