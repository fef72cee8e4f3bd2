using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Host;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// Polls every host not in Maintenance every <see cref="EngineConfig.HostPollSeconds"/> with its
/// agent's <c>status</c>, and keeps <c>vds_dynamic</c>, the pools' SPM and status, the domains'
/// sizes and the events up to date. A round (<see cref="PollOnceAsync"/>):
/// <list type="number">
/// <item>every host is asked at once, each with a short timeout: no answer is NonResponsive; an
/// answer from a host not connected to its pool, or not reading an Active domain of it for
/// non_operational_after_seconds, is NonOperational with the reason; else Up (a host that has not
/// checked its domains yet counts as reading them: there is no evidence against it);</item>
/// <item>each host's row is written if it is still what the round read (compare and set), with
/// one event per change of status;</item>
/// <item>then, per pool: the host that says SPM is <c>spm_vds_id</c> and the pool is Up; with
/// none, the pool is Contend if a host contends and NonResponsive if none does; each domain's
/// sizes come from the first host that read it; and <see cref="SpmManager"/> decides whether
/// the SPM must be started or moved (in the background: a start may wait out a lease);</item>
/// <item>last, <see cref="VmMonitor"/> reads the run state of the VMs the hosts run.</item>
/// </list>
/// Shared state: rounds never overlap (<see cref="_round"/>: the timer's and a caller's); within
/// a round each host's poll touches only that host's entry of <see cref="_unseenSince"/>, and
/// the pool-wide writes happen after every poll has ended, on the round's own task. The
/// database rows are guarded by compare and set against the API's changes (deactivate).
/// </summary>
public sealed class HostMonitor(
    EngineDatabase db, IAgentCaller agents, SpmManager spmManager, VmMonitor vmMonitor, EngineConfig config, TimeProvider time, ILogger<HostMonitor> logger) : BackgroundService
{
    private const long GiB = 1L << 30;

    private readonly SemaphoreSlim _round = new(1, 1);

    /// <summary>Per host: since when it has not read each Active domain it does not read.</summary>
    private readonly ConcurrentDictionary<Guid, Dictionary<Guid, DateTimeOffset>> _unseenSince = new();

    /// <summary>How long a poll waits for an agent: the poll interval, at least 2 s and at most 10 s.</summary>
    public static TimeSpan StatusTimeout(EngineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return TimeSpan.FromSeconds(Math.Clamp(config.HostPollSeconds, 2, 10));
    }

    /// <summary>The SPM role a status reply states.</summary>
    public static SpmStatus SpmOf(StatusReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Spm?.State switch
        {
            "SPM" => SpmStatus.SPM,
            "Contend" => SpmStatus.Contending,
            _ => SpmStatus.None,
        };
    }

    /// <summary>One poll round over every host not in Maintenance.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var hosts = await db.Hosts.ListAllViewsAsync(cancellationToken).ConfigureAwait(false);
            var pools = new Dictionary<Guid, (StoragePool Pool, HashSet<Guid> Active)>();
            foreach (var poolId in hosts.Select(h => h.Static.StoragePoolId).OfType<Guid>().Distinct())
            {
                if (await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false) is { } pool)
                {
                    var active = (await db.Pools.ListIsoMapAsync(poolId, cancellationToken).ConfigureAwait(false))
                        .Where(m => m.Status == StorageDomainStatus.Active).Select(m => m.StorageId).ToHashSet();
                    pools[poolId] = (pool, active);
                }
            }

            var polled = await Task.WhenAll(hosts
                .Where(h => h.Dynamic.Status != VdsStatus.Maintenance)
                .Select(h => PollHostAsync(h, h.Static.StoragePoolId is { } p && pools.TryGetValue(p, out var x) ? x.Active : [], cancellationToken)))
                .ConfigureAwait(false);

            foreach (var poll in polled)
            {
                var pool = poll.Before.Static.StoragePoolId is { } p && pools.TryGetValue(p, out var x) ? x.Pool : null;
                await RecordAsync(poll, pool, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (pool, _) in pools.Values)
            {
                var ofPool = polled.Where(p => p.Before.Static.StoragePoolId == pool.Id).ToList();
                await UpdatePoolAsync(pool, ofPool, hosts, cancellationToken).ConfigureAwait(false);
                await spmManager.AfterRoundAsync(pool, ofPool, cancellationToken).ConfigureAwait(false);
            }

            // The VMs' run state after the hosts': a host found NonResponsive above leaves its VMs Unknown.
            await vmMonitor.PollOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _round.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int seconds = Math.Max(1, config.HostPollSeconds);
        HostsLog.MonitorStarted(logger, seconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed round (the database away, say) must not stop the engine: the next round tries again
            catch (Exception e)
#pragma warning restore CA1031
            {
                HostsLog.RoundFailed(logger, seconds, e);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _round.Dispose();
        base.Dispose();
    }

    private async Task<HostPoll> PollHostAsync(VdsView host, HashSet<Guid> activeDomains, CancellationToken cancellationToken)
    {
        var link = new AgentLink(host.Static.AgentAddress, host.Static.AgentToken);
        StatusReply reply;
        try
        {
            reply = await agents.CallAsync(link, AgentVerbs.Status, new StatusRequest(Manager: true), StatusTimeout(config), cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
        {
            _unseenSince.TryRemove(host.Static.VdsId, out _);
            return new HostPoll(host, null, VdsStatus.NonResponsive, e.Message, SpmStatus.None, host.Dynamic.LastSeen);
        }

        var now = time.GetUtcNow();
        var spm = SpmOf(reply);
        if (!reply.Connected)
        {
            return new HostPoll(host, reply, VdsStatus.NonOperational, "the agent is not connected to its pool", spm, now);
        }

        string? unreadable = Unreadable(host.Static.VdsId, reply, activeDomains, now);
        return unreadable is null
            ? new HostPoll(host, reply, VdsStatus.Up, null, spm, now)
            : new HostPoll(host, reply, VdsStatus.NonOperational, unreadable, spm, now);
    }

    /// <summary>Which Active domains the host has not read for longer than allowed, and why; null if none.</summary>
    private string? Unreadable(Guid vdsId, StatusReply reply, HashSet<Guid> activeDomains, DateTimeOffset now)
    {
        var since = _unseenSince.GetOrAdd(vdsId, _ => []);
        if (reply.Domains is not { } seen)
        {
            return null;
        }

        var overdue = new List<string>();
        var limit = TimeSpan.FromSeconds(config.NonOperationalAfterSeconds);
        foreach (var domain in activeDomains.Order())
        {
            var report = seen.FirstOrDefault(d => d.Domain == domain);
            if (report is { Readable: true })
            {
                since.Remove(domain);
                continue;
            }

            if (!since.TryGetValue(domain, out var first))
            {
                since[domain] = first = now;
            }

            if (now - first >= limit)
            {
                string why = report?.Error ?? (report is null ? "not reported" : "unreadable");
                overdue.Add(string.Create(CultureInfo.InvariantCulture, $"{domain} ({why}, for {(now - first).TotalSeconds:0} s)"));
            }
        }

        foreach (var gone in since.Keys.Where(d => !activeDomains.Contains(d)).ToList())
        {
            since.Remove(gone);
        }

        return overdue.Count == 0 ? null : "cannot read storage domain(s) " + string.Join(", ", overdue);
    }

    private async Task RecordAsync(HostPoll poll, StoragePool? pool, CancellationToken cancellationToken)
    {
        var before = poll.Before.Dynamic;
        if (before.Status == poll.Status && before.NonOperationalReason == poll.Reason && before.SpmStatus == poll.Spm && before.LastSeen == poll.LastSeen)
        {
            return;
        }

        if (!await db.Hosts.RecordPollAsync(before.VdsId, before.Status, poll.Status, poll.Reason, poll.Spm, poll.LastSeen, cancellationToken).ConfigureAwait(false)
            || before.Status == poll.Status)
        {
            return;
        }

        var host = poll.Before.Static;
        string reason = poll.Reason is null ? "" : ": " + poll.Reason;
        HostsLog.StatusChanged(logger, host.VdsName, before.Status.ToString(), poll.Status.ToString(), reason);
        var (type, severity) = poll.Status switch
        {
            VdsStatus.Up => (EngineEventType.HOST_UP, AuditLogSeverity.NORMAL),
            VdsStatus.NonResponsive => (EngineEventType.HOST_NON_RESPONSIVE, AuditLogSeverity.ERROR),
            _ => (EngineEventType.HOST_NON_OPERATIONAL, AuditLogSeverity.ERROR),
        };
        await EngineEvents.HostAsync(
            db, type, severity,
            $"Host {host.VdsName} of data center {pool?.Name ?? host.StoragePoolId.ToString()} is {poll.Status}{reason}",
            host, pool, cancellationToken).ConfigureAwait(false);
    }

    private async Task UpdatePoolAsync(StoragePool pool, List<HostPoll> polled, IReadOnlyList<VdsView> hosts, CancellationToken cancellationToken)
    {
        if (polled.Count == 0)
        {
            return;
        }

        var spm = polled.FirstOrDefault(p => p.Spm == SpmStatus.SPM);
        Guid? spmId = spm?.Before.Static.VdsId;
        var status = spm is not null ? StoragePoolStatus.Up
            : polled.Any(p => p.Spm == SpmStatus.Contending) ? StoragePoolStatus.Contend
            : StoragePoolStatus.NonResponsive;
        if (pool.SpmVdsId != spmId)
        {
            await db.Pools.SetSpmAsync(pool.Id, spmId, cancellationToken).ConfigureAwait(false);
            string who = spm is null ? "no host" : "host " + spm.Before.Static.VdsName;
            string was = hosts.FirstOrDefault(h => h.Static.VdsId == pool.SpmVdsId)?.Static.VdsName ?? "none";
            await EngineEvents.PoolAsync(
                db, EngineEventType.SPM_CHANGED, spm is null ? AuditLogSeverity.WARNING : AuditLogSeverity.NORMAL,
                $"Storage Pool Manager of data center {pool.Name}: {who} (was {was})", pool, cancellationToken).ConfigureAwait(false);
        }

        if (pool.Status != status)
        {
            await db.Pools.SetPoolStatusAsync(pool.Id, status, cancellationToken).ConfigureAwait(false);
        }

        var sizes = polled.Where(p => p.Reply?.Domains is not null)
            .SelectMany(p => p.Reply!.Domains!)
            .Where(d => d.Readable && d.FreeBytes is not null && d.TotalBytes is not null)
            .GroupBy(d => d.Domain)
            .Select(g => g.First());
        foreach (var domain in sizes)
        {
            if (await db.Pools.GetDomainDynamicAsync(domain.Domain, cancellationToken).ConfigureAwait(false) is not { } known)
            {
                continue;
            }

            int available = (int)(domain.FreeBytes!.Value / GiB);
            int used = (int)((domain.TotalBytes!.Value - domain.FreeBytes.Value) / GiB);
            if (known.AvailableDiskSize != available || known.UsedDiskSize != used)
            {
                await db.Pools.UpdateDomainDynamicAsync(domain.Domain, available, used, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
