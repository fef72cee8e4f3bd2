using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// A data center's storage domain actions, oVirt's way, each a job:
/// <list type="bullet">
/// <item>attach: <c>pool.attach</c> on the SPM, then the domain and its disks read from the
/// storage (<see cref="PoolImport.ImportDomainAsync"/>); Locked while it runs, then Active.</item>
/// <item>maintenance (deactivate): Active to PreparingForMaintenance to Maintenance. Refused for
/// the master, and for a domain with disks of running VMs, LOCKED disks, a job on it or an SPM
/// task on it. The agents have no verb for a domain's maintenance yet, so this one is the
/// engine's: the pool keys keep the domain Active and the hosts keep monitoring it, but no job
/// of the engine reaches it (every job needs its domain Active).</item>
/// <item>activate: Maintenance to Activating, then Active once a host of the data center reads
/// the domain's metadata (<c>domain.info</c>) and it names this pool.</item>
/// <item>detach: only a regular domain in Maintenance, none of whose disks a VM uses;
/// <c>pool.detach</c> on the SPM, then its disks' rows go (their volumes stay on the domain, and
/// come back with its next attach) and so does its row in <c>storage_pool_iso_map</c>.</item>
/// <item>master move: <c>pool.move-master</c> on the SPM to another Active domain; the master
/// role and MASTER_VERSION in the rows follow what the agent answers. The SPM role ends with the
/// move; the engine's SPM election picks the next one on the new master.</item>
/// </list>
/// The refusals come before anything is written; the domain's status in the data center is
/// the action's lock (<see cref="Data.Stores.DomainJobStore"/>), and every job ends writing the
/// status the storage says then.
/// </summary>
public sealed class DomainActions(JobRunner runner, PoolImport import, IAgentCaller agents, JobTimings timings, ILogger<DomainActions> logger)
{
    public const string AttachAction = "AttachStorageDomainToPool";
    public const string DetachAction = "DetachStorageDomainFromPool";
    public const string DeactivateAction = "DeactivateStorageDomain";
    public const string ActivateAction = "ActivateStorageDomain";
    public const string MoveMasterAction = "MoveMasterStorageDomain";

    /// <summary>What the event of a job the next engine took up ends with.</summary>
    private const string Recovered = " (finished after an engine restart)";

    private static readonly TimeSpan PoolVerbTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How long the hosts may take to reconnect through a new master before the job stops waiting for its keys.</summary>
    private static readonly TimeSpan ReconnectFor = TimeSpan.FromSeconds(90);

    /// <summary>Attaches <paramref name="domainId"/> (known to the engine or read through the SPM) to the data center.</summary>
    /// <exception cref="SanpoolException">DATA_CENTER_NOT_FOUND, DATA_CENTER_NO_SPM, STORAGE_DOMAIN_ATTACHED, the agent's refusal of domain.info.</exception>
    public async Task<Job> AttachAsync(Guid poolId, Guid domainId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var pool = await PoolAsync(poolId, cancellationToken).ConfigureAwait(false);
        var spm = await SpmLinkAsync(pool, cancellationToken).ConfigureAwait(false);
        var domain = await runner.Db.Pools.GetDomainAsync(domainId, cancellationToken).ConfigureAwait(false);
        if (domain is null)
        {
            // A domain the engine has never seen: what its metadata says decides whether it may join.
            var info = await agents.CallAsync(spm, AgentVerbs.DomainInfo, new DomainInfoRequest(domainId), timings.CallTimeout, cancellationToken).ConfigureAwait(false);
            if (info.Pool is { Length: > 0 } other)
            {
                throw new SanpoolException(EngineErrors.StorageDomainAttached, $"storage domain {domainId} belongs to pool {other} on its storage; detach it there first");
            }

            await import.AddDomainAsync(info, cancellationToken).ConfigureAwait(false);
        }

        var (job, step) = NewJob(AttachAction, $"Attaching Storage Domain {domainId} to Data Center {pool.Name}", StepType.EXECUTING, correlationId, ownerId);
        await runner.Db.DomainJobs.BeginAttachAsync(job, step, domainId, pool.Id, cancellationToken).ConfigureAwait(false);
        Started(job, AttachAction, domainId, pool);
        Launch(job, pool, domainId, null, EngineEventType.USER_ATTACH_STORAGE_DOMAIN_TO_POOL_FAILED, stop => FinishAttachAsync(job, pool, spm, domainId, stop));
        return job;
    }

    /// <summary>Puts an Active regular domain into maintenance (see the class for the refusals).</summary>
    /// <exception cref="SanpoolException">
    /// DATA_CENTER_NOT_FOUND, STORAGE_DOMAIN_NOT_FOUND, STORAGE_DOMAIN_IS_MASTER, STORAGE_DOMAIN_IN_USE,
    /// STORAGE_DOMAIN_STATE_CONFLICT, NO_HOST_UP (no host could say which SPM tasks run).
    /// </exception>
    public async Task<Job> DeactivateAsync(Guid poolId, Guid domainId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var (pool, domain) = await AttachedAsync(poolId, domainId, cancellationToken).ConfigureAwait(false);
        if (domain.StorageDomainType == StorageDomainType.Master)
        {
            var others = (await runner.Db.Pools.ListIsoMapAsync(pool.Id, cancellationToken).ConfigureAwait(false))
                .Count(m => m.StorageId != domainId && m.Status == StorageDomainStatus.Active);
            throw new SanpoolException(
                EngineErrors.StorageDomainIsMaster,
                others > 0
                    ? $"storage domain {domainId} is the master of data center {pool.Name}, and {others} other domain(s) are Active: move the master role to one of them first (POST /api/datacenters/{pool.Id}/storagedomains/{{id}}/makemaster)"
                    : $"storage domain {domainId} is the master and the last Active domain of data center {pool.Name}: its maintenance would stop the data center, which the engine does not do");
        }

        await RefuseRunningTasksAsync(pool, domainId, cancellationToken).ConfigureAwait(false);
        var (job, step) = NewJob(DeactivateAction, $"Deactivating Storage Domain {domain.StorageName} in Data Center {pool.Name}", StepType.EXECUTING, correlationId, ownerId);
        await runner.Db.DomainJobs.BeginAsync(
            job, step, domainId, pool.Id, StorageDomainStatus.Active, StorageDomainStatus.PreparingForMaintenance, refuseBusy: true, refuseVmDisks: false, cancellationToken)
            .ConfigureAwait(false);
        Started(job, DeactivateAction, domainId, pool);
        Launch(job, pool, domainId, StorageDomainStatus.Active, EngineEventType.USER_DEACTIVATE_STORAGE_DOMAIN_FAILED, _ => FinishDeactivateAsync(job, pool, domain));
        return job;
    }

    /// <summary>Activates a domain in Maintenance, once a host of the data center reads it.</summary>
    public async Task<Job> ActivateAsync(Guid poolId, Guid domainId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var (pool, domain) = await AttachedAsync(poolId, domainId, cancellationToken).ConfigureAwait(false);
        var (job, step) = NewJob(ActivateAction, $"Activating Storage Domain {domain.StorageName} in Data Center {pool.Name}", StepType.EXECUTING, correlationId, ownerId);
        await runner.Db.DomainJobs.BeginAsync(
            job, step, domainId, pool.Id, StorageDomainStatus.Maintenance, StorageDomainStatus.Activating, refuseBusy: false, refuseVmDisks: false, cancellationToken)
            .ConfigureAwait(false);
        Started(job, ActivateAction, domainId, pool);
        Launch(job, pool, domainId, StorageDomainStatus.Maintenance, EngineEventType.USER_ACTIVATE_STORAGE_DOMAIN_FAILED, stop => FinishActivateAsync(job, pool, domain, stop));
        return job;
    }

    /// <summary>Detaches a regular domain in Maintenance from the data center.</summary>
    /// <exception cref="SanpoolException">STORAGE_DOMAIN_IS_MASTER, STORAGE_DOMAIN_STATE_CONFLICT (not in Maintenance), STORAGE_DOMAIN_IN_USE, DATA_CENTER_NO_SPM.</exception>
    public async Task<Job> DetachAsync(Guid poolId, Guid domainId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var (pool, domain) = await AttachedAsync(poolId, domainId, cancellationToken).ConfigureAwait(false);
        if (domain.StorageDomainType == StorageDomainType.Master)
        {
            throw new SanpoolException(
                EngineErrors.StorageDomainIsMaster,
                $"storage domain {domainId} is the master of data center {pool.Name}: move the master role to another Active domain first (POST /api/datacenters/{pool.Id}/storagedomains/{{id}}/makemaster)");
        }

        var map = (await runner.Db.Pools.ListAttachmentsAsync(domainId, cancellationToken).ConfigureAwait(false)).Single(m => m.StoragePoolId == pool.Id);
        if (map.Status == StorageDomainStatus.Active)
        {
            throw new SanpoolException(
                EngineErrors.StorageDomainStateConflict,
                $"storage domain {domain.StorageName} is Active in data center {pool.Name}: put it into maintenance first (POST /api/datacenters/{pool.Id}/storagedomains/{domainId}/deactivate)");
        }

        var spm = await SpmLinkAsync(pool, cancellationToken).ConfigureAwait(false);
        var (job, step) = NewJob(DetachAction, $"Detaching Storage Domain {domain.StorageName} from Data Center {pool.Name}", StepType.EXECUTING, correlationId, ownerId);
        await runner.Db.DomainJobs.BeginAsync(
            job, step, domainId, pool.Id, StorageDomainStatus.Maintenance, StorageDomainStatus.Detaching, refuseBusy: true, refuseVmDisks: true, cancellationToken)
            .ConfigureAwait(false);
        Started(job, DetachAction, domainId, pool);
        Launch(job, pool, domainId, StorageDomainStatus.Maintenance, EngineEventType.USER_DETACH_STORAGE_DOMAIN_FROM_POOL_FAILED, stop => FinishDetachAsync(job, pool, spm, domain, stop));
        return job;
    }

    /// <summary>Makes another Active domain the data center's master (the SPM role ends with it; the engine elects the next).</summary>
    /// <exception cref="SanpoolException">STORAGE_DOMAIN_IS_MASTER (it is already), STORAGE_DOMAIN_STATE_CONFLICT (not Active), DATA_CENTER_NO_SPM, STORAGE_DOMAIN_IN_USE (SPM tasks run).</exception>
    public async Task<Job> MoveMasterAsync(Guid poolId, Guid domainId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var (pool, domain) = await AttachedAsync(poolId, domainId, cancellationToken).ConfigureAwait(false);
        if (domain.StorageDomainType == StorageDomainType.Master)
        {
            throw new SanpoolException(EngineErrors.StorageDomainIsMaster, $"storage domain {domain.StorageName} is the master of data center {pool.Name} already");
        }

        var spm = await SpmLinkAsync(pool, cancellationToken).ConfigureAwait(false);
        await RefuseRunningTasksAsync(pool, null, cancellationToken).ConfigureAwait(false);
        var (job, step) = NewJob(MoveMasterAction, $"Moving the master role of Data Center {pool.Name} to Storage Domain {domain.StorageName}", StepType.EXECUTING, correlationId, ownerId);
        await runner.Db.DomainJobs.BeginAsync(
            job, step, domainId, pool.Id, StorageDomainStatus.Active, StorageDomainStatus.Locked, refuseBusy: false, refuseVmDisks: false, cancellationToken)
            .ConfigureAwait(false);
        Started(job, MoveMasterAction, domainId, pool);
        Launch(job, pool, domainId, StorageDomainStatus.Active, EngineEventType.USER_MOVE_MASTER_STORAGE_DOMAIN_FAILED, stop => FinishMoveMasterAsync(job, pool, spm, domain, stop));
        return job;
    }

    /// <summary>
    /// Takes every domain job the last engine left STARTED to its end from what the storage says
    /// now (the pool verbs are synchronous on the SPM, so none is still running there): the pool
    /// keys say whether an attach or a detach happened, the domain's metadata whether a master
    /// move did; a maintenance ends in Maintenance, an activation is tried again. Returns how many
    /// it took up; each finishes in the background.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([AttachAction, DetachAction, DeactivateAction, ActivateAction, MoveMasterAction], cancellationToken).ConfigureAwait(false))
        {
            var subject = (await runner.Db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(s => s.EntityType == "Storage");
            var maps = subject is null ? [] : await runner.Db.Pools.ListAttachmentsAsync(subject.EntityId, cancellationToken).ConfigureAwait(false);
            var map = maps.Count > 0 ? maps[0] : null;
            var pool = map is null ? null : await runner.Db.Pools.GetPoolAsync(map.StoragePoolId, cancellationToken).ConfigureAwait(false);
            var domain = subject is null ? null : await runner.Db.Pools.GetDomainAsync(subject.EntityId, cancellationToken).ConfigureAwait(false);
            if (pool is null || domain is null)
            {
                // The domain's row in the data center is gone already: only a detach gets that far.
                await runner.Db.Jobs.EndJobAsync(job.JobId, job.ActionType == DetachAction ? JobExecutionStatus.FINISHED : JobExecutionStatus.FAILED, cancellationToken)
                    .ConfigureAwait(false);
                continue;
            }

            DomainJobsLog.Recovering(logger, job.JobId, job.Description, domain.Id);
            taken++;
            var (restore, failed) = job.ActionType switch
            {
                AttachAction => ((StorageDomainStatus?)null, EngineEventType.USER_ATTACH_STORAGE_DOMAIN_TO_POOL_FAILED),
                DetachAction => (StorageDomainStatus.Maintenance, EngineEventType.USER_DETACH_STORAGE_DOMAIN_FROM_POOL_FAILED),
                DeactivateAction => (StorageDomainStatus.Active, EngineEventType.USER_DEACTIVATE_STORAGE_DOMAIN_FAILED),
                ActivateAction => (StorageDomainStatus.Maintenance, EngineEventType.USER_ACTIVATE_STORAGE_DOMAIN_FAILED),
                _ => (StorageDomainStatus.Active, EngineEventType.USER_MOVE_MASTER_STORAGE_DOMAIN_FAILED),
            };
            Launch(job, pool, domain.Id, restore, failed, async stop =>
            {
                var links = await runner.Hosts.UpHostsAsync(pool.Id, stop).ConfigureAwait(false);
                var link = links.Count > 0 ? links[0] : throw new SanpoolException(EngineErrors.NoHostUp, $"no host of data center {pool.Name} is Up", isTransient: true);
                await (job.ActionType switch
                {
                    AttachAction => FinishAttachAsync(job, pool, link, domain.Id, stop, attach: false),
                    DetachAction => FinishDetachAsync(job, pool, link, domain, stop, detach: false),
                    ActivateAction => FinishActivateAsync(job, pool, domain, stop, recovered: true),
                    MoveMasterAction => FinishMoveMasterAsync(job, pool, link, domain, stop, move: false),
                    _ => FinishDeactivateAsync(job, pool, domain, recovered: true),
                }).ConfigureAwait(false);
            }, recovered: true);
        }

        return taken;
    }

    private async Task FinishDeactivateAsync(Job job, StoragePool pool, StorageDomainStatic domain, bool recovered = false)
    {
        await SetStatusAsync(pool, domain.Id, StorageDomainStatus.PreparingForMaintenance, StorageDomainStatus.Maintenance).ConfigureAwait(false);
        await runner.EndAsync(job, pool, domain.Id, true, EngineEventType.USER_DEACTIVATED_STORAGE_DOMAIN,
            $"Storage Domain {domain.StorageName} (Data Center {pool.Name}) was deactivated" + (recovered ? Recovered : "")).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the job's background part; if it breaks (the database, a host that answers an error
    /// it cannot settle from), the domain goes back to <paramref name="restore"/> (no row, for an
    /// attach) and the job ends FAILED saying why, so no domain stays in a passing status.
    /// </summary>
    private void Launch(Job job, StoragePool pool, Guid domainId, StorageDomainStatus? restore, EngineEventType failed, Func<CancellationToken, Task> work, bool recovered = false) =>
        runner.Launch(job.JobId, async stop =>
        {
            try
            {
                await work(stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested)
            {
                DomainJobsLog.StorageRefused(logger, job.ActionType, domainId, e.OneLine);
                if (restore is { } status)
                {
                    await runner.Db.Pools.SetDomainStatusAsync(domainId, pool.Id, status, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    await runner.Db.Pools.DetachDomainAsync(domainId, pool.Id, CancellationToken.None).ConfigureAwait(false);
                }

                await runner.EndAsync(job, pool, domainId, false, failed, $"{job.Description} failed: {e.OneLine}" + (recovered ? Recovered : "")).ConfigureAwait(false);
            }
        });

    private async Task FinishAttachAsync(Job job, StoragePool pool, AgentLink spm, Guid domainId, CancellationToken stop, bool attach = true)
    {
        string? error = null;
        try
        {
            if (attach)
            {
                await agents.CallAsync(spm, AgentVerbs.PoolAttach, new PoolAttachRequest(domainId), PoolVerbTimeout, stop).ConfigureAwait(false);
            }
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            error = e.OneLine;
            DomainJobsLog.StorageRefused(logger, AttachAction, domainId, error);
        }

        // What the storage says decides, whatever the call answered (it may have broken after the commit).
        var keys = await runner.CallAnyAsync(pool, spm, (l, ct) => agents.CallAsync(l, AgentVerbs.PoolInfo, new PoolInfoRequest(), timings.CallTimeout, ct), stop).ConfigureAwait(false);
        if (keys.Domains.TryGetValue(domainId, out var status))
        {
            int disks = await import.ImportDomainAsync(spm, pool.Id, domainId, stop).ConfigureAwait(false);
            var to = status == "Active" ? StorageDomainStatus.Active : StorageDomainStatus.Maintenance;
            await SetStatusAsync(pool, domainId, StorageDomainStatus.Locked, to).ConfigureAwait(false);
            await UpdateMasterVersionAsync(pool, keys.MasterVersion).ConfigureAwait(false);
            await runner.EndAsync(job, pool, domainId, true, EngineEventType.USER_ATTACH_STORAGE_DOMAIN_TO_POOL,
                $"Storage Domain {domainId} was attached to Data Center {pool.Name} ({to}, {disks} disk(s) found on it)" + (attach ? "" : Recovered)).ConfigureAwait(false);
            return;
        }

        await runner.Db.Pools.DetachDomainAsync(domainId, pool.Id, CancellationToken.None).ConfigureAwait(false);
        await runner.EndAsync(job, pool, domainId, false, EngineEventType.USER_ATTACH_STORAGE_DOMAIN_TO_POOL_FAILED,
            $"Failed to attach Storage Domain {domainId} to Data Center {pool.Name}: {error ?? "the pool keys do not list it"}" + (attach ? "" : Recovered)).ConfigureAwait(false);
    }

    private async Task FinishActivateAsync(Job job, StoragePool pool, StorageDomainStatic domain, CancellationToken stop, bool recovered = false)
    {
        string? error;
        try
        {
            var info = await runner.Hosts.CallAnyAsync(
                pool, null, (l, ct) => agents.CallAsync(l, AgentVerbs.DomainInfo, new DomainInfoRequest(domain.Id), timings.CallTimeout, ct), null, stop).ConfigureAwait(false);
            error = info.Pool == pool.Id.ToString() ? null : $"its metadata names pool '{info.Pool}', not {pool.Id}";
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            error = e.OneLine;
        }

        bool ok = error is null;
        await SetStatusAsync(pool, domain.Id, StorageDomainStatus.Activating, ok ? StorageDomainStatus.Active : StorageDomainStatus.Maintenance).ConfigureAwait(false);
        await runner.EndAsync(
            job, pool, domain.Id, ok, ok ? EngineEventType.USER_ACTIVATED_STORAGE_DOMAIN : EngineEventType.USER_ACTIVATE_STORAGE_DOMAIN_FAILED,
            (ok ? $"Storage Domain {domain.StorageName} (Data Center {pool.Name}) was activated"
               : $"Failed to activate Storage Domain {domain.StorageName} (Data Center {pool.Name}): {error}") + (recovered ? Recovered : "")).ConfigureAwait(false);
    }

    private async Task FinishDetachAsync(Job job, StoragePool pool, AgentLink spm, StorageDomainStatic domain, CancellationToken stop, bool detach = true)
    {
        string? error = null;
        try
        {
            if (detach)
            {
                await agents.CallAsync(spm, AgentVerbs.PoolDetach, new PoolDetachRequest(domain.Id), PoolVerbTimeout, stop).ConfigureAwait(false);
            }
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            error = e.OneLine;
            DomainJobsLog.StorageRefused(logger, DetachAction, domain.Id, error);
        }

        var keys = await runner.CallAnyAsync(pool, spm, (l, ct) => agents.CallAsync(l, AgentVerbs.PoolInfo, new PoolInfoRequest(), timings.CallTimeout, ct), stop).ConfigureAwait(false);
        if (keys.Domains.ContainsKey(domain.Id))
        {
            await SetStatusAsync(pool, domain.Id, StorageDomainStatus.Detaching, StorageDomainStatus.Maintenance).ConfigureAwait(false);
            await runner.EndAsync(job, pool, domain.Id, false, EngineEventType.USER_DETACH_STORAGE_DOMAIN_FROM_POOL_FAILED,
                $"Failed to detach Storage Domain {domain.StorageName} from Data Center {pool.Name}: {error ?? "the pool keys still list it"}" + (detach ? "" : Recovered)).ConfigureAwait(false);
            return;
        }

        int disks = await runner.Db.DomainJobs.ForgetDisksAsync(domain.Id, CancellationToken.None).ConfigureAwait(false);
        await runner.Db.Pools.DetachDomainAsync(domain.Id, pool.Id, CancellationToken.None).ConfigureAwait(false);
        DomainJobsLog.StatusChanged(logger, domain.Id, pool.Name, nameof(StorageDomainStatus.Detaching), nameof(StorageDomainStatus.Unattached));
        await UpdateMasterVersionAsync(pool, keys.MasterVersion).ConfigureAwait(false);
        await runner.EndAsync(job, pool, domain.Id, true, EngineEventType.USER_DETACH_STORAGE_DOMAIN_FROM_POOL,
            $"Storage Domain {domain.StorageName} was detached from Data Center {pool.Name} ({disks} disk(s) left on it, out of the inventory)" + (detach ? "" : Recovered)).ConfigureAwait(false);
    }

    private async Task FinishMoveMasterAsync(Job job, StoragePool pool, AgentLink spm, StorageDomainStatic domain, CancellationToken stop, bool move = true)
    {
        string? error = null;
        try
        {
            if (move)
            {
                await agents.CallAsync(spm, AgentVerbs.MoveMaster, new MoveMasterRequest(domain.Id), PoolVerbTimeout, stop).ConfigureAwait(false);
            }
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            error = e.OneLine;
            DomainJobsLog.StorageRefused(logger, MoveMasterAction, domain.Id, error);
        }

        // Which domain says Master now: read from the target itself (any host reads its metadata).
        DomainInfoReply? info = null;
        try
        {
            info = await runner.CallAnyAsync(pool, spm, (l, ct) => agents.CallAsync(l, AgentVerbs.DomainInfo, new DomainInfoRequest(domain.Id), timings.CallTimeout, ct), stop)
                .ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            error ??= e.OneLine;
        }

        bool moved = info is not null && string.Equals(info.Role, "Master", StringComparison.OrdinalIgnoreCase);
        if (moved)
        {
            foreach (var map in await runner.Db.Pools.ListIsoMapAsync(pool.Id, CancellationToken.None).ConfigureAwait(false))
            {
                if (await runner.Db.Pools.GetDomainAsync(map.StorageId, CancellationToken.None).ConfigureAwait(false) is { StorageDomainType: StorageDomainType.Master } old)
                {
                    await runner.Db.Pools.UpdateDomainAsync(old with { StorageDomainType = StorageDomainType.Data }, CancellationToken.None).ConfigureAwait(false);
                }
            }

            await runner.Db.Pools.UpdateDomainAsync(domain with { StorageDomainType = StorageDomainType.Master }, CancellationToken.None).ConfigureAwait(false);

            // The role lived on the old master's SDM lease and ended with the move: the new master names no SPM until the election there.
            if (pool.SpmVdsId is { } oldSpm)
            {
                await runner.Db.Hosts.SetSpmStatusAsync(oldSpm, SpmStatus.None, CancellationToken.None).ConfigureAwait(false);
            }

            await runner.Db.Pools.SetSpmAsync(pool.Id, null, CancellationToken.None).ConfigureAwait(false);
            // Every host reconnects through the new master now (POOL_NOT_FOUND, WRONG_MASTER meanwhile): ask until one reads the keys there.
            var keys = await ReadKeysAfterMoveAsync(pool, stop).ConfigureAwait(false);
            if (keys is not null)
            {
                await UpdateMasterVersionAsync(pool, keys.MasterVersion).ConfigureAwait(false);
            }
        }

        await SetStatusAsync(pool, domain.Id, StorageDomainStatus.Locked, StorageDomainStatus.Active).ConfigureAwait(false);
        await runner.EndAsync(
            job, pool, domain.Id, moved, moved ? EngineEventType.USER_MOVED_MASTER_STORAGE_DOMAIN : EngineEventType.USER_MOVE_MASTER_STORAGE_DOMAIN_FAILED,
            (moved ? $"Storage Domain {domain.StorageName} is the master of Data Center {pool.Name} now; the SPM is elected again there"
                   : $"Failed to move the master role of Data Center {pool.Name} to Storage Domain {domain.StorageName}: {error ?? "its metadata does not say Master"}") + (move ? "" : Recovered))
            .ConfigureAwait(false);
    }

    /// <summary>The pool keys once a host has reconnected through the new master; null if none has within <see cref="ReconnectFor"/>.</summary>
    private async Task<PoolInfoReply?> ReadKeysAfterMoveAsync(StoragePool pool, CancellationToken stop)
    {
        var giveUp = DateTime.UtcNow + ReconnectFor;
        while (true)
        {
            try
            {
                return await runner.Hosts.CallAnyAsync(
                    pool, null, (l, ct) => agents.CallAsync(l, AgentVerbs.PoolInfo, new PoolInfoRequest(), timings.CallTimeout, ct), null, stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested && DateTime.UtcNow < giveUp)
            {
                DomainJobsLog.StorageRefused(logger, "pool.info after the master move", pool.Id, e.OneLine);
                await Task.Delay(timings.RetryInterval, stop).ConfigureAwait(false);
            }
            catch (SanpoolException) when (!stop.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <summary>Refuses while an SPM task of the data center runs (on <paramref name="domainId"/> only, if given).</summary>
    private async Task RefuseRunningTasksAsync(StoragePool pool, Guid? domainId, CancellationToken cancellationToken)
    {
        var tasks = await runner.Hosts.CallAnyAsync(
            pool, null, (l, ct) => agents.CallAsync(l, AgentVerbs.TaskList, new TaskListRequest(), timings.CallTimeout, ct), null, cancellationToken).ConfigureAwait(false);
        var running = tasks
            .Where(t => !t.IsDone && (domainId is null || (t.Args.TryGetValue("domain", out var d) && Guid.TryParse(d, out var g) && g == domainId)))
            .Select(t => $"{t.Id} ({t.Verb}, {t.State.ToString().ToLowerInvariant()})")
            .ToList();
        if (running.Count > 0)
        {
            throw new SanpoolException(
                EngineErrors.StorageDomainInUse,
                $"the SPM of data center {pool.Name} runs task(s){(domainId is null ? "" : $" on storage domain {domainId}")}: {string.Join(", ", running)}; try again once they end");
        }
    }

    private async Task<StoragePool> PoolAsync(Guid poolId, CancellationToken cancellationToken) =>
        await runner.Db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DataCenterNotFound, $"data center {poolId} does not exist");

    /// <summary>The data center and a domain attached to it.</summary>
    private async Task<(StoragePool Pool, StorageDomainStatic Domain)> AttachedAsync(Guid poolId, Guid domainId, CancellationToken cancellationToken)
    {
        var pool = await PoolAsync(poolId, cancellationToken).ConfigureAwait(false);
        var domain = await runner.Db.Pools.GetDomainAsync(domainId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.StorageDomainNotFound, $"storage domain {domainId} does not exist");
        if (!(await runner.Db.Pools.ListAttachmentsAsync(domainId, cancellationToken).ConfigureAwait(false)).Any(m => m.StoragePoolId == pool.Id))
        {
            throw new SanpoolException(EngineErrors.StorageDomainNotFound, $"storage domain {domainId} is not attached to data center {pool.Name}");
        }

        return (pool, domain);
    }

    /// <summary>The SPM's agent: the pool verbs run only there (they are not forwarded).</summary>
    private async Task<AgentLink> SpmLinkAsync(StoragePool pool, CancellationToken cancellationToken)
    {
        if (pool.SpmVdsId is { } spm
            && await runner.Db.Hosts.GetViewAsync(spm, cancellationToken).ConfigureAwait(false) is { Dynamic.Status: VdsStatus.Up, Dynamic.SpmStatus: SpmStatus.SPM } host)
        {
            return new AgentLink(host.Static.AgentAddress, host.Static.AgentToken);
        }

        throw new SanpoolException(
            EngineErrors.DataCenterNoSpm, $"data center {pool.Name} has no SPM that is Up now; the pool's membership changes only through its SPM (try again once it has one)", isTransient: true);
    }

    private async Task SetStatusAsync(StoragePool pool, Guid domainId, StorageDomainStatus from, StorageDomainStatus to)
    {
        await runner.Db.Pools.SetDomainStatusAsync(domainId, pool.Id, to, CancellationToken.None).ConfigureAwait(false);
        DomainJobsLog.StatusChanged(logger, domainId, pool.Name, from.ToString(), to.ToString());
    }

    private async Task UpdateMasterVersionAsync(StoragePool pool, int masterVersion)
    {
        if (await runner.Db.Pools.GetPoolAsync(pool.Id, CancellationToken.None).ConfigureAwait(false) is { } now && now.MasterDomainVersion != masterVersion)
        {
            await runner.Db.Pools.UpdatePoolAsync(now with { MasterDomainVersion = masterVersion }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private (Job Job, Step Step) NewJob(string action, string description, StepType stepType, string correlationId, Guid? ownerId)
    {
        var now = runner.Db.Clock.GetUtcNow();
        var job = JobRunner.NewJob(action, description, correlationId, ownerId, now);
        return (job, JobRunner.NewStep(job, stepType, description, 1, now));
    }

    private void Started(Job job, string action, Guid domainId, StoragePool pool) => DomainJobsLog.Started(logger, action, domainId, pool.Name, job.JobId);
}
