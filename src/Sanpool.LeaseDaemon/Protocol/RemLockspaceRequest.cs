namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// Leaves a lockspace: releases the host id. Refused while clients hold resources in it,
/// unless forced; then those clients are killed first (SIGTERM, SIGKILL after the grace) and
/// their resources released once they are gone.
/// </summary>
public sealed record RemLockspaceRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.RemLockspace;

    /// <summary>LS:HOST_ID:PATH:OFFSET; the lockspace is found by name.</summary>
    public string? Lockspace { get; init; }

    public bool Force { get; init; }
}
