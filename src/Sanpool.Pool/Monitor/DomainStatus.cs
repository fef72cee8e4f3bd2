namespace Sanpool.Pool.Monitor;

/// <summary>
/// What one host saw of one domain at its last check: whether a direct read of the domain's
/// master area answered within the domain's io_timeout, how long it took, and the free space
/// (refreshed less often: on block it costs an lvm run).
/// </summary>
public sealed record DomainStatus
{
    public required Guid Domain { get; init; }

    public bool Readable { get; init; }

    /// <summary>The read's latency in milliseconds; for an unreadable domain, how long it was waited for.</summary>
    public double LatencyMs { get; init; }

    public long? FreeBytes { get; init; }

    public long? TotalBytes { get; init; }

    /// <summary>Why it is not readable (the error, or the time a read has been outstanding).</summary>
    public string? Error { get; init; }

    /// <summary>Unix seconds of the check, on the checking host's clock.</summary>
    public long Checked { get; init; }
}
