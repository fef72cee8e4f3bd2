namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>The daemon's lockspaces with host liveness, and every client with its resources.</summary>
public sealed record StatusRequest
{
    public string Verb => Verbs.Status;
}
