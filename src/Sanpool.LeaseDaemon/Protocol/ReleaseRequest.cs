namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>Releases resources of the registered client on this connection, or of the registered client <see cref="Pid"/>.</summary>
public sealed record ReleaseRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.Release;

    /// <summary>LS:RES:PATH:OFFSET each (or LS:RES), matched by lockspace and resource name.</summary>
    public IReadOnlyList<string>? Resources { get; init; }

    /// <summary>Release everything the client holds.</summary>
    public bool All { get; init; }

    public int? Pid { get; init; }
}
