namespace Sanpool.Api.Pools;

/// <summary><c>domain.info</c>: what the domain's metadata says now, read by this host with its seal checked.</summary>
public sealed record DomainInfoReply
{
    public required Guid Uuid { get; init; }

    /// <summary>The domain's kind: LOCALFS, NFS, ISCSI (block), ...</summary>
    public required string Type { get; init; }

    /// <summary>Master or Regular.</summary>
    public required string Role { get; init; }

    public string Description { get; init; } = "";

    public int Version { get; init; }

    public int BlockSize { get; init; }

    public int Alignment { get; init; }

    /// <summary>Seconds; every lease delay of the domain derives from it.</summary>
    public int IoTimeout { get; init; }

    /// <summary>The watchdog margin in host_dead, seconds (60 unless the domain was made with less).</summary>
    public int WatchdogFireTimeout { get; init; }

    /// <summary>When a silent host counts as dead, seconds: 8 x io_timeout + the watchdog margin.</summary>
    public int HostDeadSeconds { get; init; }

    /// <summary>The pool the domain belongs to, if any.</summary>
    public string? Pool { get; init; }
}
