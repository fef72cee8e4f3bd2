namespace Sanpool.LeaseDaemon.Client;

/// <summary>How <see cref="LeaseDaemonClient.AcquireAsync"/> acquires.</summary>
public sealed record AcquireOptions
{
    public static readonly AcquireOptions Default = new();

    public bool Shared { get; init; }

    /// <summary>Fail at once (ACQUIRE_OWNED) instead of waiting host_dead for a silent owner.</summary>
    public bool NoWait { get; init; }

    /// <summary>Acquire for this registered client rather than for this connection's own registration.</summary>
    public int? Pid { get; init; }
}
