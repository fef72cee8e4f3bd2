using System.Text.Json.Serialization;
using Sanpool.Core;

namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>A failure: the stable code (number and name) of what failed, and a message for people.</summary>
public sealed record ErrorReply : DaemonReply
{
    public override bool Ok => false;

    public int Code { get; init; }

    public string Name { get; init; } = "";

    public string Message { get; init; } = "";

    /// <summary>Retrying the same request may succeed.</summary>
    public bool Transient { get; init; }

    [JsonIgnore]
    public ErrorCode ErrorCode => new(Code, Name);

    public static ErrorReply From(SanpoolException e) =>
        new() { Code = e.Code.Value, Name = e.Code.Name, Message = e.Message, Transient = e.IsTransient };

    public SanpoolException ToException() => new(ErrorCode, Message, Transient);
}
