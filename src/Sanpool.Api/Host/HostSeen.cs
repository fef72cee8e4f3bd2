namespace Sanpool.Api.Host;

/// <summary>Another host of the pool, from its report in the master domain.</summary>
public sealed record HostSeen
{
    public required int HostId { get; init; }

    public string HostName { get; init; } = "";

    /// <summary>SPM, Contend or Free.</summary>
    public string Spm { get; init; } = "Free";

    public bool SeesAll { get; init; }

    public string? Socket { get; init; }

    public string? Tcp { get; init; }
}
