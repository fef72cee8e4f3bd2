namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Joins a lockspace: acquires the host id (with sanlock's delays) and renews it from then on.</summary>
public sealed record AddLockspaceRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.AddLockspace;

    /// <summary>LS:HOST_ID:PATH:OFFSET.</summary>
    public string? Lockspace { get; init; }

    /// <summary>Seconds; every lease timeout derives from it. Null: 10, sanlock's default.</summary>
    public int? IoTimeout { get; init; }
}
