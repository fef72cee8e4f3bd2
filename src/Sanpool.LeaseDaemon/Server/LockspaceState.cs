namespace Sanpool.LeaseDaemon.Server;

/// <summary>Where a lockspace of the daemon is in its life.</summary>
internal enum LockspaceState
{
    /// <summary>add_lockspace is acquiring the host id (the delta lease delays).</summary>
    Joining,

    /// <summary>Held and renewed; resources may be acquired in it.</summary>
    Joined,

    /// <summary>Renewal failed: holders are being killed; nothing in it is released on disk.</summary>
    Failed,

    /// <summary>rem_lockspace is running.</summary>
    Leaving,
}
