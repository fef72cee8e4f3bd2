namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>One registered client process and its resources.</summary>
public sealed record ClientInfo
{
    public int Pid { get; init; }

    public uint Uid { get; init; }

    /// <summary>registered, or fencing (being killed) with the reason after a colon.</summary>
    public string State { get; init; } = "";

    public int? HeartbeatMs { get; init; }

    public IReadOnlyList<ResourceInfo> Resources { get; init; } = [];
}
