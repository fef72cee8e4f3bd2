namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>The daemon's lockspaces with host liveness, and every client with its resources.</summary>
public sealed record StatusRequest
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "part of the message: serialized as \"verb\"")]
    public string Verb => Verbs.Status;
}
