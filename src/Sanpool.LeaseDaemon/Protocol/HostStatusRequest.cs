namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Every host's liveness in one lockspace, as this host sees it.</summary>
public sealed record HostStatusRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.HostStatus;

    /// <summary>The lockspace name.</summary>
    public string? Lockspace { get; init; }
}
