namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>The resources of the registered client on this connection, or of the registered client <see cref="Pid"/>.</summary>
public sealed record InquireRequest
{
    public string Verb => Verbs.Inquire;

    public int? Pid { get; init; }
}
