using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Pool.Monitor;

namespace Sanpool.Pool.Spm;

/// <summary>
/// Who becomes SPM when no manager says: every host with a priority of 0 or more looks once
/// per <see cref="PoolTimeouts.ElectionTick"/>; when the pool names no SPM, or names one whose host id is no
/// longer live in the master lockspace, it waits a delay that is shorter the higher its
/// priority (plus jitter), looks again, and contends. The SDM paxos lease decides between
/// contenders, so the election is only about who tries first; a failed try backs off.
/// The domain monitor adds reachability: a host that cannot read every domain does not
/// contend while another live host can, and an SPM that has not read every domain for
/// <see cref="PoolTimeouts.StepDownAfter"/> steps down when another live host reads them all.
/// A manager can override it: <see cref="Paused"/> stops contending, and its spm start/stop
/// go straight to the role; a host a manager runs gets its priority from
/// <see cref="ManagerContact.Priority"/> (-1 while the manager calls, its own after the
/// manager's grace), which the election asks at every look. Its delays are the pool's <see cref="PoolTimeouts"/>, on the
/// host's clock (<see cref="PoolHostOptions.Time"/>).
/// </summary>
public sealed partial class SpmElection(SpmRole role, DomainMonitor monitor, Func<int> priorityNow, ILogger logger)
{
    /// <summary>An election with a fixed priority (-1: never contends).</summary>
    public SpmElection(SpmRole role, DomainMonitor monitor, int priority, ILogger logger)
        : this(role, monitor, () => priority, logger)
    {
    }

    private readonly Random _jitter = new();
    private readonly PoolTimeouts _timeouts = role.Host.Options.Timeouts;
    private readonly TimeProvider _time = role.Host.Options.Time;
    private int _failures;

    /// <summary>Set by spm stop: this host stays Free until spm start (or the next agent run).</summary>
    public bool Paused { get; set; }

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_timeouts.ElectionTick, _time);
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            try
            {
                int priority = priorityNow();
                if (role.State == SpmState.Spm)
                {
                    await StepDownIfOthersSeeMoreAsync(stop).ConfigureAwait(false);
                }
                else if (MayContend(priority) && NoLiveSpm(monitor.Pool))
                {
                    await Task.Delay(Delay(priority), _time, stop).ConfigureAwait(false);
                    priority = priorityNow();
                    if (MayContend(priority) && NoLiveSpm(await role.Host.ReadPoolAsync(stop).ConfigureAwait(false)))
                    {
                        await ContendAsync(priority, stop).ConfigureAwait(false);
                    }
                }
            }
            catch (SanpoolException e)
            {
                LogLookFailed(logger, role.Host.Options.Pool, role.Host.Options.HostId, e.OneLine);
            }
        }
    }

    /// <summary>Free, not paused, willing, holding its host id, and not blind to a domain that another live host sees.</summary>
    private bool MayContend(int priority) =>
        priority >= 0 && !Paused && role.State == SpmState.Free && role.Host.Lockspace.IsValid && monitor.HasChecked
        && (monitor.SeesAll || monitor.OthersSeeingAll.Count == 0);

    private bool NoLiveSpm(PoolMetadata pool) =>
        // Our own id named while we are Free: a restart of this host after a crash. Unknown: the
        // paxos acquire itself watches the holder's host id and refuses while it renews.
        pool.SpmId <= 0 || pool.SpmId == role.Host.Options.HostId || role.Host.Lockspace.StateOf(pool.SpmId) != HostState.Live;

    private async Task StepDownIfOthersSeeMoreAsync(CancellationToken stop)
    {
        if (monitor.SeesAll || monitor.MissingFor < _timeouts.StepDownAfter || monitor.OthersSeeingAll is not [int other, ..])
        {
            return;
        }

        var missing = monitor.Statuses.Values.Where(s => !s.Readable).Select(s => $"{s.Domain} ({s.Error})");
        await role.StepDownAsync($"domain(s) {string.Join(", ", missing)} unreadable for {monitor.MissingFor.TotalSeconds:0} s; host {other} reads every domain", stop)
            .ConfigureAwait(false);
    }

    private async Task ContendAsync(int priority, CancellationToken stop)
    {
        try
        {
            LogContending(logger, role.Host.Options.Pool, role.Host.Options.HostId, priority);
            await role.StartAsync(stop).ConfigureAwait(false);
            _failures = 0;
        }
        catch (SanpoolException e) when (e.IsTransient || e.Code == Storage.StorageErrors.DomainBusy || e.Code == PoolErrors.SpmContending)
        {
            _failures = Math.Min(_failures + 1, PoolTimeouts.MaxBackoffDoublings);
            LogLost(logger, role.Host.Options.Pool, role.Host.Options.HostId, e.OneLine);
        }
    }

    private TimeSpan Delay(int priority) => PoolTimeouts.ElectionDelay(priority, _failures, _jitter.NextDouble());

    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "pool {Pool}: host {HostId} contends for SPM (priority {Priority})")]
    private static partial void LogContending(ILogger logger, Guid pool, int hostId, int priority);

    [LoggerMessage(EventId = 731, Level = LogLevel.Information, Message = "pool {Pool}: host {HostId} did not become SPM: {Error}")]
    private static partial void LogLost(ILogger logger, Guid pool, int hostId, string error);

    [LoggerMessage(EventId = 732, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} could not read the pool's SPM: {Error}")]
    private static partial void LogLookFailed(ILogger logger, Guid pool, int hostId, string error);
}
