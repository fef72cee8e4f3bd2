namespace Sanpool.Api.Host;

/// <summary>One domain as a host saw it at its last check: readable or why not, the read's latency, its space.</summary>
public sealed record DomainSeen
{
    public required Guid Domain { get; init; }

    public bool Readable { get; init; }

    public double LatencyMs { get; init; }

    public long? FreeBytes { get; init; }

    public long? TotalBytes { get; init; }

    public string? Error { get; init; }

    /// <summary>Unix seconds of the check, on the checking host's clock.</summary>
    public long Checked { get; init; }
}
