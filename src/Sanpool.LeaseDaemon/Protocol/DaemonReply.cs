using System.Text.Json.Serialization;

namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>What every reply has: <c>"ok"</c>. Each verb has its own reply type.</summary>
public abstract record DaemonReply
{
    [JsonPropertyOrder(-1)]
    public virtual bool Ok => true;
}
