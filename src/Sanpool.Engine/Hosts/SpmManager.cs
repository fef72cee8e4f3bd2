using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Client;
using Sanpool.Api.Spm;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// The engine's side of the SPM (the storage's side is the SDM lease, which has the last word).
/// After each poll round (<see cref="AfterRoundAsync"/>), per pool:
/// <list type="bullet">
/// <item>a host says SPM: it is kept (after an engine restart too: the engine adopts the SPM it
/// finds, it does not restart the role), unless it cannot read a domain of the pool (it is
/// NonOperational for that) while another Up host reads them all: then it is stopped, and the
/// next round picks another;</item>
/// <item>a host contends: someone is taking the lease (an earlier start, or hosts electing by
/// themselves); the engine waits;</item>
/// <item>no SPM: the engine picks an Up host by priority (<see cref="SpmSelection"/>) and starts
/// it with <c>spm.start</c>, giving the previous SPM id and lease version it saw. The call runs in
/// the background: if the old SPM died or froze, the new host's lease acquire waits until
/// host_dead after its last renewal, and refuses while it still renews, so the engine never
/// needs fencing to move the role, and cannot move it too early.</item>
/// </list>
/// The engine starts and stops the role by itself only in a pool whose polled hosts all say a
/// manager decides their SPM (<c>"election": false</c>, status <c>managed</c>); hosts that elect by
/// themselves are left to it, and the engine only records the SPM they elect.
/// One change at a time per pool (<see cref="_changing"/>): a background start, or a select
/// by hand (<see cref="SelectAsync"/>), which is refused while the SPM runs tasks. Every delay
/// is in <see cref="SpmTimeouts"/>.
/// </summary>
public sealed class SpmManager(EngineDatabase db, IAgentCaller agents, EngineConfig config, ILogger<SpmManager> logger) : IAsyncDisposable
{
    private readonly SpmTimeouts _timeouts = SpmTimeouts.From(config);
    private readonly ConcurrentDictionary<Guid, string> _changing = new();
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly ConcurrentDictionary<Guid, bool> _noCandidate = new();
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Picks among hosts of equal priority; tests set a seeded one.</summary>
    public Random Random { get; set; } = Random.Shared;

    public SpmTimeouts Timeouts => _timeouts;

    /// <summary>Completes when no background start is running (tests wait on it).</summary>
    public Task IdleAsync() => Task.WhenAll(_running.Values);

    /// <summary>What the engine does about one pool's SPM after a poll round (see the class).</summary>
    internal async Task AfterRoundAsync(StoragePool pool, IReadOnlyList<HostPoll> polled, CancellationToken cancellationToken)
    {
        if (_changing.ContainsKey(pool.Id) || polled.Count == 0 || polled.Any(p => p.Reply is { Managed: not true }))
        {
            return;
        }

        if (polled.FirstOrDefault(p => p.Spm == SpmStatus.SPM) is { } spm)
        {
            _noCandidate.TryRemove(pool.Id, out _);
            if (spm.Status == VdsStatus.NonOperational && spm.Reply?.SeesAll == false
                && polled.FirstOrDefault(p => p != spm && IsCandidate(p) && p.Reply?.SeesAll == true) is { } seer)
            {
                Begin(pool.Id, $"stopping host {spm.Before.Static.VdsName}", ct => StopBlindAsync(pool, spm, seer, ct));
            }

            return;
        }

        if (polled.Any(p => p.Spm == SpmStatus.Contending))
        {
            return;
        }

        var candidates = polled.Where(IsCandidate).ToList();
        var pick = SpmSelection.Pick(candidates, p => p.Before.Static.VdsSpmPriority, Random);
        if (pick is null)
        {
            if (_noCandidate.TryAdd(pool.Id, true))
            {
                SpmLog.NoCandidate(logger, pool.Name, polled.Count);
            }

            return;
        }

        _noCandidate.TryRemove(pool.Id, out _);
        string why = await WhyNoSpmAsync(pool, polled, cancellationToken).ConfigureAwait(false);
        var prev = pick.Reply!.Spm!;
        var master = pick.Reply.Master;
        Begin(pool.Id, $"starting host {pick.Before.Static.VdsName}",
            async ct => await StartAsync(pool, pick.Before.Static, master, prev.SpmId, prev.Lver, why, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Select as SPM, by hand: stops the current SPM (refused while it runs tasks) and starts this
    /// host, waiting for both. SPM_NOT_ALLOWED for a host of priority -1, not Up, or in no data
    /// center; SPM_CONFLICT while the pool's SPM changes already, or when its SPM does not answer.
    /// </summary>
    public async Task<VdsView> SelectAsync(Guid vdsId, CancellationToken cancellationToken)
    {
        var view = await db.Hosts.GetViewAsync(vdsId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.HostNotFound, $"host {vdsId} does not exist");
        var host = view.Static;
        var pool = host.StoragePoolId is { } poolId ? await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false) : null;
        string? refusal =
            pool is null ? $"host {host.VdsName} is in no data center" :
            host.VdsSpmPriority < 0 ? $"host {host.VdsName} has SPM priority {host.VdsSpmPriority} (never SPM)" :
            view.Dynamic.Status != VdsStatus.Up ? $"host {host.VdsName} is {view.Dynamic.Status}; only an Up host can become SPM" :
            null;
        if (refusal is not null)
        {
            throw new SanpoolException(EngineErrors.SpmNotAllowed, refusal);
        }

        if (pool!.SpmVdsId == vdsId && view.Dynamic.SpmStatus == SpmStatus.SPM)
        {
            return view;
        }

        if (!_changing.TryAdd(pool.Id, $"selecting host {host.VdsName} by hand"))
        {
            throw Busy(pool);
        }

        try
        {
            var link = Link(host);
            SpmStatusReply prev;
            if (pool.SpmVdsId is { } current && current != vdsId && await db.Hosts.GetViewAsync(current, cancellationToken).ConfigureAwait(false) is { } old)
            {
                prev = await StopByHandAsync(pool, old.Static, $"host {host.VdsName} was selected as SPM by hand", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                prev = await agents.CallAsync(link, AgentVerbs.SpmStatus, new SpmStatusRequest(), _timeouts.StatusTimeout, cancellationToken).ConfigureAwait(false);
            }

            var status = await agents.CallAsync(link, AgentVerbs.Status, new Api.Host.StatusRequest(Manager: true), _timeouts.StatusTimeout, cancellationToken).ConfigureAwait(false);
            await StartAsync(pool, host, status.Master, prev.SpmId, prev.Lver, "selected by hand", cancellationToken, rethrow: true).ConfigureAwait(false);
        }
        finally
        {
            _changing.TryRemove(pool.Id, out _);
        }

        return await db.Hosts.GetViewAsync(vdsId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.HostNotFound, $"host {vdsId} was removed meanwhile");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await IdleAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static bool IsCandidate(HostPoll p) =>
        p.Status == VdsStatus.Up && p.Before.Static.VdsSpmPriority >= 0 && p.Reply?.Spm is not null;

    private static AgentLink Link(VdsStatic host) => new(host.AgentAddress, host.AgentToken);

    private static SanpoolException Busy(StoragePool pool) =>
        new(EngineErrors.SpmConflict, $"the SPM of data center {pool.Name} is changing now; try again once it has", isTransient: true);

    /// <summary>Runs one change of a pool's SPM in the background; the pool is busy until it ends.</summary>
    private void Begin(Guid pool, string what, Func<CancellationToken, Task> change)
    {
        if (!_changing.TryAdd(pool, what))
        {
            return;
        }

        var token = _stop.Token;
        _running[pool] = Task.Run(
            async () =>
            {
                try
                {
                    await change(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                }
#pragma warning disable CA1031 // a failed change (the database away, say) must not end the engine: the next round looks again
                catch (Exception e)
#pragma warning restore CA1031
                {
                    SpmLog.ChangeFailed(logger, what, e);
                }
                finally
                {
                    _changing.TryRemove(pool, out _);
                }
            },
            CancellationToken.None);
    }

    /// <summary>
    /// spm.start on <paramref name="host"/>: on success spm_vds_id, the pool Up, SPM_STARTED; on
    /// failure SPM_START_FAILED naming the pool, the host and the lease (and, by hand, the error).
    /// </summary>
    private async Task StartAsync(StoragePool pool, VdsStatic host, Guid master, int prevId, long prevLver, string why, CancellationToken cancellationToken, bool rethrow = false)
    {
        string lease = $"the SDM lease of master domain {master}";
        string previous = prevId > 0
            ? $"previous SPM host id {prevId} ({await HostNameOfAsync(pool.Id, prevId, cancellationToken).ConfigureAwait(false)}), lease version {prevLver}"
            : $"no previous SPM named (lease version {prevLver})";
        SpmLog.Starting(logger, pool.Name, host.VdsName, why, previous);
        SpmStatusReply reply;
        try
        {
            reply = await agents.CallAsync(Link(host), AgentVerbs.SpmStart, new SpmStartRequest(prevId, prevLver), _timeouts.StartTimeout, cancellationToken)
                .ConfigureAwait(false);
            if (reply.State != "SPM")
            {
                throw new SanpoolException(EngineErrors.SpmConflict, $"host {host.VdsName} answered spm.start with {reply.State}, not SPM", isTransient: true);
            }
        }
        catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
        {
            SpmLog.StartFailed(logger, pool.Name, host.VdsName, lease, previous, e.OneLine);
            string next = rethrow ? "" : "; the engine tries again at its next poll";
            await EngineEvents.HostAsync(
                db, EngineEventType.SPM_START_FAILED, AuditLogSeverity.WARNING,
                $"Host {host.VdsName} did not become Storage Pool Manager of data center {pool.Name} ({why}): {e.Code.Name}: {e.Message}; {lease}, {previous}{next}",
                host, pool, CancellationToken.None).ConfigureAwait(false);
            if (rethrow)
            {
                throw;
            }

            return;
        }

        await db.Pools.SetSpmAsync(pool.Id, host.VdsId, CancellationToken.None).ConfigureAwait(false);
        await db.Pools.SetPoolStatusAsync(pool.Id, StoragePoolStatus.Up, CancellationToken.None).ConfigureAwait(false);
        await db.Hosts.SetSpmStatusAsync(host.VdsId, SpmStatus.SPM, CancellationToken.None).ConfigureAwait(false);
        SpmLog.Started(logger, pool.Name, host.VdsName, reply.Lver, why);
        await EngineEvents.HostAsync(
            db, EngineEventType.SPM_STARTED, AuditLogSeverity.NORMAL,
            $"Storage Pool Manager of data center {pool.Name} runs on host {host.VdsName} ({why}): it holds {lease} at version {reply.Lver}; {previous}",
            host, pool, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The engine's name of the host with <paramref name="spmId"/> in the pool's lockspaces.</summary>
    private async Task<string> HostNameOfAsync(Guid pool, int spmId, CancellationToken cancellationToken)
    {
        var map = (await db.Hosts.ListSpmIdsAsync(pool, cancellationToken).ConfigureAwait(false)).FirstOrDefault(m => m.VdsSpmId == spmId);
        return map is not null && await db.Hosts.GetAsync(map.VdsId, cancellationToken).ConfigureAwait(false) is { } host
            ? host.VdsName
            : "a host the engine does not know";
    }

    /// <summary>Why the pool has no SPM now, for the events: the SPM the database named and what became of it.</summary>
    private async Task<string> WhyNoSpmAsync(StoragePool pool, IReadOnlyList<HostPoll> polled, CancellationToken cancellationToken)
    {
        if (pool.SpmVdsId is not { } was)
        {
            return "the data center has no SPM";
        }

        var poll = polled.FirstOrDefault(p => p.Before.Static.VdsId == was);
        string name = poll?.Before.Static.VdsName
            ?? (await db.Hosts.GetAsync(was, cancellationToken).ConfigureAwait(false))?.VdsName ?? was.ToString();
        return poll switch
        {
            null => $"the SPM host {name} is not polled",
            { Reply: null } => $"the SPM host {name} does not answer ({poll.Reason}); its lease decides when another host may take the role",
            _ => $"the SPM host {name} is no longer SPM (its lease was lost, or it stepped down)",
        };
    }

    /// <summary>An SPM that cannot read a domain another host reads gives the role up (spm.stop; refused while its tasks run).</summary>
    private async Task StopBlindAsync(StoragePool pool, HostPoll spm, HostPoll seer, CancellationToken cancellationToken)
    {
        var host = spm.Before.Static;
        string why = $"host {host.VdsName} cannot read every domain ({spm.Reason}) while host {seer.Before.Static.VdsName} can";
        try
        {
            await agents.CallAsync(Link(host), AgentVerbs.SpmStop, new SpmStopRequest(), _timeouts.StatusTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
        {
            SpmLog.StopFailed(logger, pool.Name, host.VdsName, why, e.OneLine);
            return;
        }

        await db.Pools.SetSpmAsync(pool.Id, null, CancellationToken.None).ConfigureAwait(false);
        await db.Hosts.SetSpmStatusAsync(host.VdsId, SpmStatus.None, CancellationToken.None).ConfigureAwait(false);
        SpmLog.Stopped(logger, pool.Name, host.VdsName, why);
        await EngineEvents.HostAsync(
            db, EngineEventType.SPM_STOPPED, AuditLogSeverity.WARNING,
            $"Host {host.VdsName} gave up the Storage Pool Manager role of data center {pool.Name}: {why}", host, pool, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Maintenance of the SPM, oVirt's way: refused (SPM_TASKS_RUNNING) while it runs tasks;
    /// otherwise its role is stopped (<c>spm.stop</c>) and <paramref name="then"/> (the host to
    /// Maintenance) runs while the pool is still held, so no round elects it again in between.
    /// The next round elects another Up host.
    /// </summary>
    public async Task StopForMaintenanceAsync(StoragePool pool, VdsStatic spm, Func<Task> then, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(spm);
        ArgumentNullException.ThrowIfNull(then);
        if (!_changing.TryAdd(pool.Id, $"host {spm.VdsName} to maintenance"))
        {
            throw Busy(pool);
        }

        try
        {
            await StopByHandAsync(pool, spm, $"host {spm.VdsName} was put into maintenance", cancellationToken).ConfigureAwait(false);
            await then().ConfigureAwait(false);
        }
        finally
        {
            _changing.TryRemove(pool.Id, out _);
        }
    }

    /// <summary>By hand (a select, a maintenance): the current SPM's tasks (none may run), then its spm.stop; returns what the stop says of the pool.</summary>
    private async Task<SpmStatusReply> StopByHandAsync(StoragePool pool, VdsStatic old, string why, CancellationToken cancellationToken)
    {
        var link = Link(old);
        IReadOnlyList<TaskInfo> tasks;
        try
        {
            tasks = await agents.CallAsync(link, AgentVerbs.TaskList, new TaskListRequest(), _timeouts.StatusTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == AgentErrors.Unreachable || e.Code == AgentErrors.Timeout)
        {
            throw new SanpoolException(
                EngineErrors.SpmConflict,
                $"host {old.VdsName}, the SPM of data center {pool.Name}, does not answer ({e.Message}); the engine moves the role by itself once its lease has expired");
        }

        var running = tasks.Where(t => t.State is TaskState.Queued or TaskState.Running or TaskState.Recovering).ToList();
        if (running.Count > 0)
        {
            throw TasksRunning(pool, old, string.Join(", ", running.Select(t => $"{t.Id} ({t.Verb}, {t.State.ToString().ToLowerInvariant()})")));
        }

        SpmStatusReply stopped;
        try
        {
            stopped = await agents.CallAsync(link, AgentVerbs.SpmStop, new SpmStopRequest(), _timeouts.StatusTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code.Name == "TASK_RUNNING")
        {
            throw TasksRunning(pool, old, e.Message);
        }

        await db.Pools.SetSpmAsync(pool.Id, null, CancellationToken.None).ConfigureAwait(false);
        await db.Hosts.SetSpmStatusAsync(old.VdsId, SpmStatus.None, CancellationToken.None).ConfigureAwait(false);
        SpmLog.Stopped(logger, pool.Name, old.VdsName, why);
        await EngineEvents.HostAsync(
            db, EngineEventType.SPM_STOPPED, AuditLogSeverity.NORMAL,
            $"Host {old.VdsName} gave up the Storage Pool Manager role of data center {pool.Name}: {why}", old, pool, CancellationToken.None).ConfigureAwait(false);
        return stopped;
    }

    private static SanpoolException TasksRunning(StoragePool pool, VdsStatic spm, string tasks) =>
        new(EngineErrors.SpmTasksRunning,
            $"host {spm.VdsName}, the SPM of data center {pool.Name}, runs tasks: {tasks}; the role can move by hand once they end", isTransient: true);
}
