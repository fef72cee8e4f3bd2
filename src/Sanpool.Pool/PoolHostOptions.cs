using Sanpool.Storage.Volumes;

namespace Sanpool.Pool;

/// <summary>One host's place in a pool: who it is, where the pool's storage is, what it expects.</summary>
public sealed record PoolHostOptions
{
    public required Guid Pool { get; init; }

    public required Guid Master { get; init; }

    /// <summary>The MASTER_VERSION the host expects; null accepts what the master says.</summary>
    public int? MasterVersion { get; init; }

    public required DomainLocator Locator { get; init; }

    public int HostId { get; init; } = 1;

    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>This host's own run directory (writer locks, FUSE mounts).</summary>
    public string RunDirectory { get; init; } = WriterOptions.DefaultRunDirectory;

    /// <summary>The pool layer's delays (monitor, election, role); see the timeline in <see cref="PoolTimeouts"/>.</summary>
    public PoolTimeouts Timeouts { get; init; } = PoolTimeouts.Default;

    /// <summary>The clock of the monitor, the election and the role; tests give a manual one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Writer options for this host; <paramref name="lockspace"/> null lets the writer join the domain's lockspace itself.</summary>
    public WriterOptions WriterFor(Leases.Lockspace? lockspace) => new()
    {
        HostId = HostId,
        HostName = HostName,
        RunDirectory = RunDirectory,
        LockWait = TimeSpan.Zero,
        Lockspace = lockspace,
    };
}
