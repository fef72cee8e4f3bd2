using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon;

/// <summary>How to run one host's lease daemon.</summary>
public sealed record LeaseDaemonOptions(string RunDirectory, string HostName)
{
    /// <summary>Opens lockspace and resource devices; tests give memory or fault-injecting devices.</summary>
    public DeviceOpener Opener { get; init; } = LeaseDevices.Direct;

    /// <summary>All waits and ages; lease arithmetic uses its monotonic timestamp.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>
    /// How long a holder may stay stopped (SIGSTOP, state T or t) before it is killed. Null: twice
    /// the io_timeout of the lockspace of its resources (the smallest, if several).
    /// </summary>
    public TimeSpan? StoppedHolderThreshold { get; init; }

    /// <summary>How often holder processes are checked (/proc state, heartbeats).</summary>
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Between SIGTERM and SIGKILL when fencing; null: <see cref="LeaseTimeouts.KillGrace"/>.</summary>
    public TimeSpan? KillGrace { get; init; }

    /// <summary>Write and lock the pid file; off only for daemons embedded next to another one.</summary>
    public bool UsePidFile { get; init; } = true;

    public MonotonicClock Clock => new(Time);
}
