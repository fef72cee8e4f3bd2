namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>The resources acquired, with the lease version each was committed at.</summary>
public sealed record AcquireReply : DaemonReply
{
    public IReadOnlyList<ResourceInfo> Resources { get; init; } = [];
}
