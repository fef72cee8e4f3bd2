namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>One host id record as this host last read it.</summary>
public sealed record HostInfo
{
    public int HostId { get; init; }

    public ulong OwnerId { get; init; }

    public ulong Generation { get; init; }

    /// <summary>The owner's own monotonic second; only its changes mean anything here.</summary>
    public ulong Timestamp { get; init; }

    public int IoTimeout { get; init; }

    public string HostName { get; init; } = "";

    /// <summary>free, unknown, live, fail or dead (sanlock's host flags).</summary>
    public string State { get; init; } = "";

    /// <summary>Seconds since we last saw its timestamp change.</summary>
    public ulong LastLiveAge { get; init; }
}
