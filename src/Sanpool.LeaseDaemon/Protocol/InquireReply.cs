namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// A client's resources; <see cref="State"/> is sanlock's inquire string: each resource as
/// LS:RES:PATH:OFFSET:LVER (":SH" appended when shared), separated by spaces.
/// </summary>
public sealed record InquireReply : DaemonReply
{
    public int Pid { get; init; }

    public string State { get; init; } = "";

    public IReadOnlyList<ResourceInfo> Resources { get; init; } = [];
}
