using Sanpool.Agent;

namespace Sanpool.Harness.LocalPools;

/// <summary>What a <see cref="LocalPool"/> is made of: how many hosts and domains, and their timing.</summary>
public sealed record LocalPoolOptions
{
    /// <summary>Where the LUNs' backing files, the hosts' configs, run directories and logs go.</summary>
    public required string WorkDir { get; init; }

    /// <summary>The sanpool executable (and any leading arguments) that runs each host's agent.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public int Hosts { get; init; } = 3;

    /// <summary>Block domains, one LUN each; the first is the master.</summary>
    public int Domains { get; init; } = 2;

    public int IoTimeout { get; init; } = 1;

    /// <summary>
    /// The watchdog margin in host_dead that the pool's domains record (8 x io_timeout + this):
    /// sanlock's 60 by default; tests lower it so a dead SPM's leases free in seconds.
    /// </summary>
    public int WatchdogFireTimeout { get; init; } = Sanpool.Leases.LeaseTimeouts.DefaultWatchdogFireTimeout;

    /// <summary>How long after its last renewal a silent host of this pool is dead to the others.</summary>
    public TimeSpan HostDead => new Sanpool.Leases.LeaseTimeouts(IoTimeout, WatchdogFireTimeout).HostDead;

    /// <summary>Each LUN's size; a block domain's special LVs take about 4.5 GiB. The files are sparse.</summary>
    public long LunSize { get; init; } = 8L << 30;

    /// <summary>
    /// LUNs made but left out of every domain, which every host sees (its config's devices):
    /// what <c>sanpool domain extend --block</c> adds to a domain that ran out of space.
    /// </summary>
    public int SpareLuns { get; init; }

    /// <summary>Each host's SPM priority (-1 never, 0-10), by host id.</summary>
    public Func<int, int> SpmPriority { get; init; } = _ => 5;

    /// <summary>Environment variables every agent gets (for instance SANPOOL_VERBOSE).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How every host extends its thin volumes (the config's "thin" section).</summary>
    public ThinConfig Thin { get; init; } = new();

    /// <summary>Whether the agents elect an SPM by themselves.</summary>
    public bool Election { get; init; } = true;

    /// <summary>With <see cref="Election"/> off: how long the engine may be silent before the agents elect anyway.</summary>
    public int ManagerGraceSeconds { get; init; } = 120;
}
