using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// The database side of a data center's storage domain actions (attach, detach, maintenance,
/// activation, master move). A domain's row in <c>storage_pool_iso_map</c> is the action's lock:
/// each action moves it, compare and set in the transaction that writes its job, into a passing
/// status (Locked, PreparingForMaintenance, Detaching, Activating) that no other action and no
/// disk job accepts, and its job ends by writing the status the storage then says.
/// </summary>
public sealed class DomainJobStore
{
    private readonly EngineDatabase _db;

    internal DomainJobStore(EngineDatabase db) => _db = db;

    /// <summary>
    /// Moves the domain from <paramref name="from"/> to <paramref name="passing"/> and writes the
    /// job, its step and its subject (the domain). With <paramref name="refuseBusy"/> the domain
    /// must have no disk of a running VM, no LOCKED volume and no STARTED job on it or its disks;
    /// with <paramref name="refuseVmDisks"/> no disk attached to a VM at all.
    /// </summary>
    /// <exception cref="SanpoolException">STORAGE_DOMAIN_STATE_CONFLICT (not in <paramref name="from"/>), STORAGE_DOMAIN_IN_USE.</exception>
    public Task BeginAsync(
        Job job, Step step, Guid domainId, Guid poolId, StorageDomainStatus from, StorageDomainStatus passing, bool refuseBusy, bool refuseVmDisks,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(step);
        return _db.TransactAsync(
            async s =>
            {
                var now = await StatusAsync(s, domainId, poolId, cancellationToken).ConfigureAwait(false);
                if (now != from)
                {
                    throw new SanpoolException(
                        EngineErrors.StorageDomainStateConflict,
                        $"storage domain {domainId} is {now?.ToString() ?? "not attached"} in data center {poolId}; the action needs it {from}");
                }

                if (refuseBusy)
                {
                    await RefuseBusyAsync(s, domainId, cancellationToken).ConfigureAwait(false);
                }

                if (refuseVmDisks)
                {
                    await RefuseVmDisksAsync(s, domainId, cancellationToken).ConfigureAwait(false);
                }

                int changed = await s.ExecuteAsync(
                    "UPDATE storage_pool_iso_map SET status = @passing WHERE storage_id = @domainId AND storage_pool_id = @poolId AND status = @from",
                    new { domainId, poolId, from, passing },
                    cancellationToken).ConfigureAwait(false);
                if (changed == 0)
                {
                    throw new SanpoolException(EngineErrors.StorageDomainStateConflict, $"storage domain {domainId} changed status meanwhile; try again");
                }

                await InsertJobAsync(s, job, step, domainId, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>Attaches a known, unattached domain to the data center as Locked, with the job that attaches it on storage.</summary>
    /// <exception cref="SanpoolException">STORAGE_DOMAIN_ATTACHED if it is in a data center already.</exception>
    public Task BeginAttachAsync(Job job, Step step, Guid domainId, Guid poolId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(step);
        return _db.TransactAsync(
            async s =>
            {
                var other = await s.QueryAsync(
                    "SELECT storage_pool_id FROM storage_pool_iso_map WHERE storage_id = @domainId", new { domainId }, r => r.Uuid("storage_pool_id"), cancellationToken)
                    .ConfigureAwait(false);
                if (other.Count > 0)
                {
                    throw new SanpoolException(
                        EngineErrors.StorageDomainAttached,
                        other[0] == poolId
                            ? $"storage domain {domainId} is attached to data center {poolId} already"
                            : $"storage domain {domainId} is attached to data center {other[0]}; detach it there first");
                }

                await s.ExecuteAsync(
                    "INSERT INTO storage_pool_iso_map (storage_id, storage_pool_id, status) VALUES (@domainId, @poolId, @status)",
                    new { domainId, poolId, status = StorageDomainStatus.Locked },
                    cancellationToken).ConfigureAwait(false);
                await InsertJobAsync(s, job, step, domainId, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Removes the rows of every disk of a detached domain (the volumes stay on its storage and
    /// come back with the domain's next attach); returns how many disks.
    /// </summary>
    public Task<int> ForgetDisksAsync(Guid domainId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                var disks = await s.QueryAsync(
                    "SELECT DISTINCT i.image_group_id FROM images i JOIN image_storage_domain_map m ON m.image_id = i.image_guid WHERE m.storage_domain_id = @domainId",
                    new { domainId },
                    r => r.Uuid("image_group_id"),
                    cancellationToken).ConfigureAwait(false);
                foreach (var disk in disks)
                {
                    // Its volumes, their domain map and figures go with it (ON DELETE CASCADE).
                    await s.ExecuteAsync("DELETE FROM base_disks WHERE disk_id = @disk", new { disk }, cancellationToken).ConfigureAwait(false);
                }

                return disks.Count;
            },
            cancellationToken);

    private static async Task<StorageDomainStatus?> StatusAsync(DbSession s, Guid domainId, Guid poolId, CancellationToken cancellationToken)
    {
        var rows = await s.QueryAsync(
            "SELECT status FROM storage_pool_iso_map WHERE storage_id = @domainId AND storage_pool_id = @poolId",
            new { domainId, poolId },
            r => r.Coded<StorageDomainStatus>("status"),
            cancellationToken).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>Refuses a domain holding a disk attached to a VM (detach would take it from the VM).</summary>
    private static async Task RefuseVmDisksAsync(DbSession s, Guid domainId, CancellationToken cancellationToken)
    {
        var attached = await s.QueryAsync(
            "SELECT DISTINCT e.disk_id, v.vm_name FROM disk_vm_element e JOIN vm_static v ON v.vm_guid = e.vm_id " +
            "JOIN images i ON i.image_group_id = e.disk_id JOIN image_storage_domain_map m ON m.image_id = i.image_guid " +
            "WHERE m.storage_domain_id = @domainId ORDER BY v.vm_name, e.disk_id",
            new { domainId },
            r => $"disk {r.Uuid("disk_id")} of VM {r.Text("vm_name")}",
            cancellationToken).ConfigureAwait(false);
        if (attached.Count > 0)
        {
            throw new SanpoolException(
                EngineErrors.StorageDomainInUse,
                $"storage domain {domainId} holds {Few(attached)}: detaching it would take them from their VMs; remove the VMs' disks from it first");
        }
    }

    /// <summary>Refuses a domain with disks of running VMs, LOCKED volumes, or a STARTED job on it or on one of its disks.</summary>
    private static async Task RefuseBusyAsync(DbSession s, Guid domainId, CancellationToken cancellationToken)
    {
        const string OnDomain = "SELECT i.image_group_id FROM images i JOIN image_storage_domain_map m ON m.image_id = i.image_guid WHERE m.storage_domain_id = @domainId";
        var running = await s.QueryAsync(
            "SELECT DISTINCT v.vm_name, d.status FROM disk_vm_element e JOIN vm_static v ON v.vm_guid = e.vm_id JOIN vm_dynamic d ON d.vm_guid = v.vm_guid " +
            $"WHERE e.disk_id IN ({OnDomain}) AND d.status <> @down ORDER BY v.vm_name",
            new { domainId, down = VmStatus.Down },
            r => $"VM {r.Text("vm_name")} ({r.Coded<VmStatus>("status")})",
            cancellationToken).ConfigureAwait(false);
        if (running.Count > 0)
        {
            throw new SanpoolException(EngineErrors.StorageDomainInUse, $"storage domain {domainId} holds disks of running VMs: {Few(running)}; stop them first");
        }

        var locked = await s.QueryAsync(
            "SELECT DISTINCT i.image_group_id FROM images i JOIN image_storage_domain_map m ON m.image_id = i.image_guid " +
            "WHERE m.storage_domain_id = @domainId AND i.imagestatus = @locked ORDER BY i.image_group_id",
            new { domainId, locked = ImageStatus.LOCKED },
            r => $"disk {r.Uuid("image_group_id")}",
            cancellationToken).ConfigureAwait(false);
        if (locked.Count > 0)
        {
            throw new SanpoolException(EngineErrors.StorageDomainInUse, $"storage domain {domainId} has LOCKED disks: {Few(locked)}; wait for their jobs to end");
        }

        var jobs = await s.QueryAsync(
            "SELECT DISTINCT j.job_id, j.description FROM job j JOIN job_subject_entity e ON e.job_id = j.job_id " +
            $"WHERE j.status = @started AND (e.entity_id = @domainId OR e.entity_id IN ({OnDomain})) ORDER BY j.job_id",
            new { domainId, started = nameof(JobExecutionStatus.STARTED) },
            r => $"job {r.Uuid("job_id")} ({r.Text("description")})",
            cancellationToken).ConfigureAwait(false);
        if (jobs.Count > 0)
        {
            throw new SanpoolException(EngineErrors.StorageDomainInUse, $"jobs work on storage domain {domainId}: {Few(jobs)}; wait for them to end");
        }
    }

    private static async Task InsertJobAsync(DbSession s, Job job, Step step, Guid domainId, CancellationToken cancellationToken)
    {
        await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
        await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
        await JobStore.InsertSubjectsAsync(s, [new(job.JobId, domainId, "Storage")], cancellationToken).ConfigureAwait(false);
    }

    private static string Few(IReadOnlyList<string> items) =>
        items.Count <= 5 ? string.Join(", ", items) : string.Join(", ", items.Take(5)) + $" and {items.Count - 5} more";
}
