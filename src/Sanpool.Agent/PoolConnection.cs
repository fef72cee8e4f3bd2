using Microsoft.Extensions.Logging;
using Sanpool.Agent.DataPath;
using Sanpool.Core;
using Sanpool.DataPath;
using Sanpool.Pool;
using Sanpool.Pool.Monitor;
using Sanpool.Pool.Spm;
using Sanpool.Storage.Volumes;
using Sanpool.Storage.Qemu;

namespace Sanpool.Agent;

/// <summary>
/// The agent's connection to its pool, for as long as the agent runs: connected through the
/// master (retrying while the storage is not there yet), the SPM role, the domain monitor and
/// the election. When the master role moves to another domain (this host's own
/// pool.move-master, or the monitor finding its master demoted), it leaves the pool and
/// connects again through the new master, unless the config pins a master_version, in which
/// case WRONG_MASTER ends it.
/// <para>
/// The handlers read <see cref="Host"/>, <see cref="Role"/> and <see cref="Monitor"/> while
/// the connection loop replaces them: each is one reference read at a time, and a handler that
/// finds none answers "not connected yet" (transient).
/// </para>
/// </summary>
internal sealed partial class PoolConnection(AgentConfig config, ManagerContact manager, ILogger logger) : IAsyncDisposable
{
    private volatile PoolHost? _host;
    private volatile SpmRole? _spm;
    private volatile SpmElection? _election;
    private volatile DomainMonitor? _monitor;
    private CancellationTokenSource? _session;
    private Guid? _moveTo;

    public AgentConfig Config => config;

    /// <summary>When the manager last called: a host it runs elects by itself only after its grace.</summary>
    public ManagerContact Manager => manager;

    /// <summary>Raised with each new SPM role (one per connection), before its election can start it.</summary>
    public event Action<SpmRole>? RoleCreated;

    /// <summary>The pool as this host is connected to it, or null between connections.</summary>
    public PoolHost? Host => _host;

    public SpmRole? Spm => _spm;

    public SpmElection? Election => _election;

    public DomainMonitor? Monitor => _monitor;

    /// <summary>The pool, or POOL_NOT_FOUND (transient) while not connected.</summary>
    public PoolHost Connected => _host ?? throw NotConnected();

    /// <summary>The SPM role, or POOL_NOT_FOUND (transient) while not connected.</summary>
    public SpmRole Role => _spm ?? throw NotConnected();

    /// <summary>Runs until <paramref name="stop"/>: connection after connection, one per master.</summary>
    public async Task RunAsync(HostDataPath dataPath, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(dataPath);
        var options = new PoolHostOptions
        {
            Pool = config.Pool,
            Master = config.Master,
            MasterVersion = config.MasterVersion,
            Locator = new DomainLocator(config.Paths, config.Devices) { Files = new FuseDeviceFiles(logger) },
            HostId = config.HostId,
            HostName = config.HostName,
            RunDirectory = config.RunDir,
        };
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(options, dataPath, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (_moveTo is not { } next || stop.IsCancellationRequested)
            {
                return;
            }

            LogFollowingMaster(logger, config.Pool, config.HostId, options.Master, next);
            await LeaveAsync().ConfigureAwait(false);
            options = options with { Master = next, MasterVersion = null };
            _moveTo = null;
        }
    }

    /// <summary>Leaves this connection and connects again through <paramref name="master"/> (after pool.move-master).</summary>
    public void RequestMove(Guid master)
    {
        _moveTo = master;
        try
        {
            _session?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>One connection to the pool through one master: until stopped, or until the master moves.</summary>
    private async Task SessionAsync(PoolHostOptions options, HostDataPath dataPath, CancellationToken stop)
    {
        while (_host is null)
        {
            try
            {
                _host = await PoolHost.ConnectAsync(options, new QemuImg(), logger, stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (e.Code != PoolErrors.WrongMaster && e.Code != PoolErrors.PoolNotFound)
            {
                LogConnectRetry(logger, config.Pool, config.HostId, e.OneLine);
                await Task.Delay(options.Timeouts.ConnectRetry, options.Time, stop).ConfigureAwait(false);
            }
        }

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _session = session;
        var spm = new SpmRole(_host, logger);
        RoleCreated?.Invoke(spm);
        _spm = spm;
        var monitor = new DomainMonitor(_host, Path.GetFullPath(config.Socket), config.Tcp, () => SpmName(spm.State), logger);
        _monitor = monitor;
        monitor.MasterMoved += () => _ = FollowMasterAsync(session.Token);
        var election = new SpmElection(spm, monitor, manager.Priority, logger);
        _election = election;
        try
        {
            // Before the election can make this host SPM: the SPM's mailbox service starts with its first term.
            await dataPath.ConnectAsync(_host, spm, monitor, session.Token).ConfigureAwait(false);
            await Task.WhenAll(monitor.RunAsync(session.Token), election.RunAsync(session.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
        }
        finally
        {
            _session = null;
        }
    }

    /// <summary>The monitor found our master demoted: find the one that replaced it and reconnect there.</summary>
    private async Task FollowMasterAsync(CancellationToken session)
    {
        if (_host?.Options.MasterVersion is not null)
        {
            // A pinned master_version is the operator's word: stay, and say so (the monitor logs WRONG_MASTER).
            return;
        }

        try
        {
            if (_host is { } host && await host.FindCurrentMasterAsync(session).ConfigureAwait(false) is { } current && current.Domain != host.Options.Master)
            {
                RequestMove(current.Domain);
            }
        }
        catch (Exception e) when (e is SanpoolException or OperationCanceledException)
        {
        }
    }

    /// <summary>Leaves the pool (role, monitor, lockspaces) before connecting through another master.</summary>
    private async Task LeaveAsync()
    {
        if (_monitor is { } monitor)
        {
            await monitor.DisposeAsync().ConfigureAwait(false);
            _monitor = null;
        }

        _election = null;
        if (_spm is { } spm)
        {
            await spm.DisposeAsync().ConfigureAwait(false);
            _spm = null;
        }

        if (_host is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
            _host = null;
        }
    }

    public static string SpmName(SpmState state) => state == SpmState.Spm ? "SPM" : state.ToString();

    private SanpoolException NotConnected() =>
        new(PoolErrors.PoolNotFound, $"host {config.HostId} is not connected to pool {config.Pool} yet", true);

    /// <summary>Stops the role (giving the SPM lease up cleanly if held), the monitor, and leaves the pool.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_monitor is { } monitor)
        {
            await monitor.DisposeAsync().ConfigureAwait(false);
        }

        if (_spm is { } spm)
        {
            if (spm.State == SpmState.Spm)
            {
                try
                {
                    await spm.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (SanpoolException e)
                {
                    LogStopFailed(logger, config.Pool, config.HostId, e.OneLine);
                }
            }

            await spm.DisposeAsync().ConfigureAwait(false);
        }

        if (_host is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 740, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} cannot connect yet: {Error}; retrying")]
    private static partial void LogConnectRetry(ILogger logger, Guid pool, int hostId, string error);

    [LoggerMessage(EventId = 743, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId}: the master role moved from {Old} to {New}; reconnecting through the new master")]
    private static partial void LogFollowingMaster(ILogger logger, Guid pool, int hostId, Guid old, Guid @new);

    [LoggerMessage(EventId = 741, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId}: spm stop on shutdown failed: {Error}")]
    private static partial void LogStopFailed(ILogger logger, Guid pool, int hostId, string error);
}
