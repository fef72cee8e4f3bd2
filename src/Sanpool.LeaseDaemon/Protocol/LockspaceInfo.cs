namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>One lockspace of the daemon and what it knows of the other hosts in it.</summary>
public sealed record LockspaceInfo
{
    public string Name { get; init; } = "";

    public int HostId { get; init; }

    public string Path { get; init; } = "";

    public long Offset { get; init; }

    public int IoTimeout { get; init; }

    /// <summary>joining, joined, failed or leaving.</summary>
    public string State { get; init; } = "";

    /// <summary>Our host generation (0 while joining).</summary>
    public ulong Generation { get; init; }

    /// <summary>Monotonic second of the last successful renewal (the daemon's CLOCK_MONOTONIC).</summary>
    public ulong LastRenewal { get; init; }

    /// <summary>Seconds since the last successful renewal.</summary>
    public ulong RenewalAge { get; init; }

    public string? FailReason { get; init; }

    public IReadOnlyList<HostInfo> Hosts { get; init; } = [];
}
