namespace Sanpool.Engine.Hosts;

/// <summary>How the engine reaches a host's agent: its unix socket path or http(s) URL, and the bearer token for TCP (null for a socket).</summary>
public sealed record AgentLink(string Address, string? Token)
{
    /// <summary>Never the token: links end up in messages and logs.</summary>
    public override string ToString() => Address;
}
