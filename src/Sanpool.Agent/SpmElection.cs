using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Pool;
using Sanpool.Pool.Monitor;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent;

/// <summary>
/// Who becomes SPM when no manager says: every host with a priority of 0 or more looks once
/// per <see cref="Interval"/>; when the pool names no SPM, or names one whose host id is no
/// longer live in the master lockspace, it waits a delay that is shorter the higher its
/// priority (plus jitter), looks again, and contends. The SDM paxos lease decides between
/// contenders, so the election is only about who tries first; a failed try backs off.
/// The domain monitor adds reachability: a host that cannot read every domain does not
/// contend while another live host can, and an SPM that has not read every domain for
/// <see cref="StepDownAfter"/> steps down when another live host reads them all.
/// A manager can override it: <see cref="Paused"/> stops contending, and its spm start/stop
/// go straight to the role.
/// </summary>
public sealed partial class SpmElection(SpmRole role, DomainMonitor monitor, int priority, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How long an SPM may miss a domain before it hands the role to a host that sees them all.</summary>
    public static readonly TimeSpan StepDownAfter = TimeSpan.FromSeconds(10);

    private readonly Random _jitter = new();
    private int _failures;

    /// <summary>Set by spm stop: this host stays Free until spm start (or the next agent run).</summary>
    public bool Paused { get; set; }

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            try
            {
                if (role.State == SpmState.Spm)
                {
                    await StepDownIfOthersSeeMoreAsync(stop).ConfigureAwait(false);
                }
                else if (MayContend() && NoLiveSpm(monitor.Pool))
                {
                    await Task.Delay(Delay(), stop).ConfigureAwait(false);
                    if (MayContend() && NoLiveSpm(await role.Host.ReadPoolAsync(stop).ConfigureAwait(false)))
                    {
                        await ContendAsync(stop).ConfigureAwait(false);
                    }
                }
            }
            catch (SanpoolException e)
            {
                LogLookFailed(logger, role.Host.Options.Pool, role.Host.Options.HostId, e.OneLine);
            }
        }
    }

    /// <summary>Free, not paused, willing, and not blind to a domain that another live host sees.</summary>
    private bool MayContend() =>
        priority >= 0 && !Paused && role.State == SpmState.Free && monitor.HasChecked && (monitor.SeesAll || monitor.OthersSeeingAll.Count == 0);

    private bool NoLiveSpm(PoolMetadata pool) =>
        // Our own id named while we are Free: a restart of this host after a crash. Unknown: the
        // paxos acquire itself watches the holder's host id and refuses while it renews.
        pool.SpmId <= 0 || pool.SpmId == role.Host.Options.HostId || role.Host.Lockspace.StateOf(pool.SpmId) != HostState.Live;

    private async Task StepDownIfOthersSeeMoreAsync(CancellationToken stop)
    {
        if (monitor.SeesAll || monitor.MissingFor < StepDownAfter || monitor.OthersSeeingAll is not [int other, ..])
        {
            return;
        }

        var missing = monitor.Statuses.Values.Where(s => !s.Readable).Select(s => $"{s.Domain} ({s.Error})");
        await role.StepDownAsync($"domain(s) {string.Join(", ", missing)} unreadable for {monitor.MissingFor.TotalSeconds:0} s; host {other} reads every domain", stop)
            .ConfigureAwait(false);
    }

    private async Task ContendAsync(CancellationToken stop)
    {
        try
        {
            LogContending(logger, role.Host.Options.Pool, role.Host.Options.HostId, priority);
            await role.StartAsync(stop).ConfigureAwait(false);
            _failures = 0;
        }
        catch (SanpoolException e) when (e.IsTransient || e.Code == Storage.StorageErrors.DomainBusy || e.Code == PoolErrors.SpmContending)
        {
            _failures = Math.Min(_failures + 1, 5);
            LogLost(logger, role.Host.Options.Pool, role.Host.Options.HostId, e.OneLine);
        }
    }

    /// <summary>Priority 10 waits about 0.1 s, priority 0 about 2 s; doubled per recent failure, plus up to 0.5 s jitter.</summary>
    private TimeSpan Delay() =>
        TimeSpan.FromMilliseconds((100 + ((10 - priority) * 190)) * (1 << _failures) + _jitter.Next(500));

    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "pool {Pool}: host {HostId} contends for SPM (priority {Priority})")]
    private static partial void LogContending(ILogger logger, Guid pool, int hostId, int priority);

    [LoggerMessage(EventId = 731, Level = LogLevel.Information, Message = "pool {Pool}: host {HostId} did not become SPM: {Error}")]
    private static partial void LogLost(ILogger logger, Guid pool, int hostId, string error);

    [LoggerMessage(EventId = 732, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} could not read the pool's SPM: {Error}")]
    private static partial void LogLookFailed(ILogger logger, Guid pool, int hostId, string error);
}
