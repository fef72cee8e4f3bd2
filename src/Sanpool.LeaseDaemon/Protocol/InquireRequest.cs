namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>The resources of the registered client on this connection, or of the registered client <see cref="Pid"/>.</summary>
public sealed record InquireRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.Inquire;

    public int? Pid { get; init; }
}
