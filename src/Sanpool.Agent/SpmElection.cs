using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Pool;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent;

/// <summary>
/// Who becomes SPM when no manager says: every host with a priority of 0 or more looks once
/// per <see cref="Interval"/>; when the pool names no SPM, or names one whose host id is no
/// longer live in the master lockspace, it waits a delay that is shorter the higher its
/// priority (plus jitter), looks again, and contends. The SDM paxos lease decides between
/// contenders, so the election is only about who tries first; a failed try backs off.
/// A manager can override it: <see cref="Paused"/> stops contending, and its spm start/stop
/// go straight to the role.
/// </summary>
public sealed partial class SpmElection(SpmRole role, int priority, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Random _jitter = new();
    private int _failures;

    /// <summary>Set by spm stop: this host stays Free until spm start (or the next agent run).</summary>
    public bool Paused { get; set; }

    public async Task RunAsync(CancellationToken stop)
    {
        if (priority < 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            try
            {
                if (!Paused && role.State == SpmState.Free && await NoLiveSpmAsync(stop).ConfigureAwait(false))
                {
                    await Task.Delay(Delay(), stop).ConfigureAwait(false);
                    if (!Paused && role.State == SpmState.Free && await NoLiveSpmAsync(stop).ConfigureAwait(false))
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

    private async Task<bool> NoLiveSpmAsync(CancellationToken stop)
    {
        var pool = await role.Host.ReadPoolAsync(stop).ConfigureAwait(false);
        // Our own id named while we are Free: a restart of this host after a crash. Unknown: the
        // paxos acquire itself watches the holder's host id and refuses while it renews.
        return pool.SpmId <= 0 || pool.SpmId == role.Host.Options.HostId || role.Host.Lockspace.StateOf(pool.SpmId) != HostState.Live;
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
