using Microsoft.Extensions.Logging;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// The parts of one daemon, wired together: what handlers, connections, the monitor and the
/// fencer share. Built once per <see cref="LeaseDaemon"/>.
/// </summary>
internal sealed class DaemonServices
{
    public DaemonServices(LeaseDaemonOptions options, CancellationToken stopping)
    {
        Options = options;
        Stopping = stopping;
        Clock = options.Clock;
        Logger = options.LoggerFactory.CreateLogger("Sanpool.LeaseDaemon");
        LeaseLogger = options.LoggerFactory.CreateLogger("Sanpool.Leases");
        Tasks = new TaskSupervisor(Logger);
        Lockspaces = new LockspaceRegistry(this);
        Clients = new ClientRegistry(this);
        Resources = new ResourceManager(this);
        Fencer = new Fencer(this);
    }

    public LeaseDaemonOptions Options { get; }

    public CancellationToken Stopping { get; }

    public MonotonicClock Clock { get; }

    public ILogger Logger { get; }

    /// <summary>For the lease algorithms' own messages.</summary>
    public ILogger LeaseLogger { get; }

    public string HostName => Options.HostName;

    public TaskSupervisor Tasks { get; }

    public LockspaceRegistry Lockspaces { get; }

    public ClientRegistry Clients { get; }

    public ResourceManager Resources { get; }

    public Fencer Fencer { get; }

    /// <summary>Monotonic now.</summary>
    public TimeSpan Now => Clock.Now;

    /// <summary>SIGTERM to SIGKILL for a holder of these leases: the configured grace, or the shortest of their lockspaces'.</summary>
    public TimeSpan KillGraceFor(IReadOnlyList<ClientLease> leases) =>
        Options.KillGrace ?? (leases.Count == 0 ? LeaseTimeouts.Default.KillGrace : leases.Min(l => l.Lockspace.Timeouts.KillGrace));

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken) => Clock.Delay(delay, cancellationToken);
}
