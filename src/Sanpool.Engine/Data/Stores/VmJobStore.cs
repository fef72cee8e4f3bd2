using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// The transactions of the VM jobs (<see cref="Sanpool.Engine.Jobs.VmJobs"/>): defining a VM
/// with its disks, and the begin and end of a snapshot's creation and removal. Each begin writes
/// the job, its steps and subjects together with the locks in one transaction, so a second action
/// on the VM or on one of its disks is refused there, naming the job that holds it.
/// </summary>
public sealed class VmJobStore
{
    private readonly EngineDatabase _db;

    internal VmJobStore(EngineDatabase db) => _db = db;

    /// <summary>
    /// A VM (<c>vm_static</c>, <c>vm_dynamic</c> Down, its ACTIVE snapshot) with
    /// <paramref name="disks"/> attached, in one transaction: each disk must exist, belong to no
    /// VM and be OK; its leaf moves into the VM's ACTIVE snapshot.
    /// </summary>
    /// <exception cref="SanpoolException">VM_NAME_EXISTS, DISK_NOT_FOUND, DISK_IN_USE, DISK_LOCKED.</exception>
    public Task DefineAsync(VmStatic vm, Guid activeSnapshotId, IReadOnlyList<DiskVmElement> disks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(disks);
        return _db.TransactAsync(
            async s =>
            {
                if (await s.ScalarAsync<long>("SELECT COUNT(*) FROM vm_static WHERE vm_name = @VmName", new { vm.VmName }, cancellationToken).ConfigureAwait(false) > 0)
                {
                    throw new SanpoolException(EngineErrors.VmNameExists, $"a VM or template named '{vm.VmName}' exists");
                }

                foreach (var element in disks)
                {
                    var chain = await ImageStore.ListByDiskAsync(s, element.DiskId, cancellationToken).ConfigureAwait(false);
                    if (chain.Count == 0)
                    {
                        throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {element.DiskId} does not exist");
                    }

                    var owner = await s.QueryAsync(
                        "SELECT v.vm_name FROM disk_vm_element e JOIN vm_static v ON v.vm_guid = e.vm_id WHERE e.disk_id = @DiskId",
                        new { element.DiskId },
                        r => r.Text("vm_name"),
                        cancellationToken).ConfigureAwait(false);
                    if (owner.Count > 0)
                    {
                        throw new SanpoolException(EngineErrors.DiskInUse, $"disk {element.DiskId} is attached to VM {owner[0]}");
                    }

                    if (chain.Any(i => i.ImageStatus != ImageStatus.OK))
                    {
                        var holder = await JobStore.RunningJobOfAsync(s, element.DiskId, cancellationToken).ConfigureAwait(false);
                        throw new SanpoolException(
                            EngineErrors.DiskLocked,
                            $"disk {element.DiskId} is not OK" + (holder is null ? "" : $": job {holder.JobId} ({holder.Description}) works on it"));
                    }
                }

                await VmStore.InsertAsync(s, vm, activeSnapshotId, cancellationToken).ConfigureAwait(false);
                foreach (var element in disks)
                {
                    await VmStore.AttachDiskAsync(s, element, cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Begins a VM snapshot: refuses a running VM and a VM or disk another job holds, then writes
    /// <paramref name="job"/> with <paramref name="steps"/> and its subjects (the VM and each disk)
    /// and the rows of <see cref="SnapshotStore.BeginVmSnapshotAsync"/>, all in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, VM_IS_RUNNING, VM_LOCKED, DISK_LOCKED naming the job; CONFLICT from the snapshot's rows.</exception>
    public Task<VmSnapshotStarted> BeginSnapshotAsync(
        Job job, IReadOnlyList<Step> steps, Guid vmId, string description, IReadOnlyDictionary<Guid, Guid> newLeafPerDisk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(newLeafPerDisk);
        return _db.TransactAsync(
            async s =>
            {
                await RefuseBusyAsync(s, vmId, newLeafPerDisk.Keys, cancellationToken).ConfigureAwait(false);
                await InsertJobAsync(s, job, steps, vmId, newLeafPerDisk.Keys, cancellationToken).ConfigureAwait(false);
                return await SnapshotStore.BeginVmSnapshotAsync(s, vmId, description, newLeafPerDisk, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Begins the removal of a snapshot: per disk, the snapshot's volume (the merge's base) and its
    /// child (the top, whose data goes into the base). Every volume of those disks and the
    /// snapshot are LOCKED, and the job is written with one step per disk from
    /// <paramref name="stepFor"/> (the disk's merge, its number from 1), in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, SNAPSHOT_NOT_FOUND, INVALID_VM (the Active VM), VM_IS_RUNNING, VM_LOCKED, DISK_LOCKED, DISK_ILLEGAL.</exception>
    public Task<IReadOnlyList<SnapshotMerge>> BeginRemoveSnapshotAsync(
        Job job, Guid vmId, Guid snapshotId, Func<SnapshotMerge, int, Step> stepFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(stepFor);
        return _db.TransactAsync<IReadOnlyList<SnapshotMerge>>(
            async s =>
            {
                var snapshot = await s.QuerySingleOrDefaultAsync(
                    "SELECT snapshot_id, vm_id, snapshot_type, status, description, creation_date, vm_configuration FROM snapshots " +
                    $"WHERE snapshot_id = @snapshotId AND vm_id = @vmId{s.Dialect.ForUpdate}",
                    new { snapshotId, vmId },
                    SnapshotStore.Read,
                    cancellationToken).ConfigureAwait(false)
                    ?? throw new SanpoolException(EngineErrors.SnapshotNotFound, $"VM {vmId} has no snapshot {snapshotId}");
                if (snapshot.SnapshotType == SnapshotType.ACTIVE)
                {
                    throw new SanpoolException(EngineErrors.InvalidVm, $"snapshot {snapshotId} is the VM's present state (Active VM): it cannot be removed");
                }

                var disks = (await VmStore.ListDisksAsync(s, vmId, cancellationToken).ConfigureAwait(false)).Select(d => d.DiskId).ToList();
                await RefuseBusyAsync(s, vmId, disks, cancellationToken).ConfigureAwait(false);
                if (snapshot.Status != SnapshotStatus.OK)
                {
                    throw new SanpoolException(EngineErrors.VmLocked, $"snapshot {snapshotId} is {snapshot.Status}, by no running job (reconciliation settles it)");
                }

                var merges = new List<SnapshotMerge>();
                foreach (Guid diskId in disks.Order())
                {
                    var chain = await ImageStore.ListByDiskAsync(s, diskId, cancellationToken).ConfigureAwait(false);
                    if (chain.FirstOrDefault(i => i.VmSnapshotId == snapshotId) is not { } baseVolume
                        || chain.FirstOrDefault(i => i.ParentId == baseVolume.ImageGuid) is not { } top)
                    {
                        // The disk was attached after the snapshot: nothing of it to merge.
                        continue;
                    }

                    Guid domainId = await s.ScalarAsync<Guid>(
                        "SELECT storage_domain_id FROM image_storage_domain_map WHERE image_id = @image ORDER BY storage_domain_id LIMIT 1",
                        new { image = baseVolume.ImageGuid },
                        cancellationToken).ConfigureAwait(false);
                    await DiskJobStore.LockDiskAsync(s, diskId, chain, cancellationToken).ConfigureAwait(false);
                    merges.Add(new SnapshotMerge(diskId, domainId, baseVolume.ImageGuid, top.ImageGuid));
                }

                await s.ExecuteAsync(
                    "UPDATE snapshots SET status = @locked WHERE snapshot_id = @snapshotId",
                    new { snapshotId, locked = nameof(SnapshotStatus.LOCKED) },
                    cancellationToken).ConfigureAwait(false);
                await InsertJobAsync(s, job, [.. merges.Select((m, i) => stepFor(m, i + 1))], vmId, disks, cancellationToken).ConfigureAwait(false);
                return merges;
            },
            cancellationToken);
    }

    /// <summary>
    /// Ends a snapshot's removal, in one transaction: for each merge in <paramref name="merged"/>
    /// (the top is gone from storage, its data in the base), the top's row goes, its child's
    /// parent becomes the base, and the base takes its place (snapshot, active, classification). The snapshot's row goes when every disk was
    /// merged, else it is OK again. The volumes' statuses are left to the caller's settle from the
    /// storage.
    /// </summary>
    public Task EndRemoveSnapshotAsync(Guid vmId, Guid snapshotId, IReadOnlyList<SnapshotMerge> merged, bool allMerged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merged);
        return _db.TransactAsync(
            async s =>
            {
                foreach (var merge in merged)
                {
                    var top = await s.QuerySingleOrDefaultAsync(
                        $"SELECT {ImageStore.Columns} FROM images WHERE image_guid = @Top", new { merge.Top }, ImageStore.Read, cancellationToken).ConfigureAwait(false);
                    if (top is null)
                    {
                        continue;
                    }

                    // The top's child (if any) now reads through the base; then the top goes before the
                    // base may become active: one active volume per disk is a unique index.
                    await s.ExecuteAsync(
                        "UPDATE images SET parentid = @Base WHERE parentid = @Top AND image_group_id = @DiskId",
                        new { merge.Base, merge.Top, merge.DiskId },
                        cancellationToken).ConfigureAwait(false);
                    await ImageStore.DeleteAsync(s, merge.Top, cancellationToken).ConfigureAwait(false);
                    await s.ExecuteAsync(
                        "UPDATE images SET vm_snapshot_id = @VmSnapshotId, active = @Active, volume_classification = @VolumeClassification, lastmodified = @now " +
                        "WHERE image_guid = @baseVolume",
                        new { top.VmSnapshotId, top.Active, top.VolumeClassification, now = s.Now, baseVolume = merge.Base },
                        cancellationToken).ConfigureAwait(false);
                }

                await s.ExecuteAsync(
                    allMerged ? "DELETE FROM snapshots WHERE snapshot_id = @snapshotId AND vm_id = @vmId"
                              : "UPDATE snapshots SET status = @ok WHERE snapshot_id = @snapshotId AND vm_id = @vmId",
                    new { snapshotId, vmId, ok = nameof(SnapshotStatus.OK) },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>Refuses a VM that is missing, running, or held by a job, and a disk a job holds (naming the job).</summary>
    internal static async Task RefuseBusyAsync(DbSession s, Guid vmId, IEnumerable<Guid> disks, CancellationToken cancellationToken)
    {
        var vm = await s.QuerySingleOrDefaultAsync(
            "SELECT v.vm_name, d.status, h.vds_name FROM vm_static v JOIN vm_dynamic d ON d.vm_guid = v.vm_guid " +
            "LEFT JOIN vds_static h ON h.vds_id = d.run_on_vds WHERE v.vm_guid = @vmId",
            new { vmId },
            r => new RunState(r.Text("vm_name"), r.Coded<VmStatus>("status"), r.TextOrNull("vds_name")),
            cancellationToken).ConfigureAwait(false);
        if (vm is null)
        {
            throw new SanpoolException(EngineErrors.VmNotFound, $"VM {vmId} does not exist");
        }

        if (vm.Status != VmStatus.Down)
        {
            throw new SanpoolException(
                EngineErrors.VmIsRunning,
                $"VM {vm.Name} is {vm.Status}{(vm.Host is null ? "" : $" on host {vm.Host}")}: stop it first (its volumes are not changed while it runs)");
        }

        if (await JobStore.RunningJobOfAsync(s, vmId, cancellationToken).ConfigureAwait(false) is { } holder)
        {
            throw new SanpoolException(EngineErrors.VmLocked, $"VM {vm.Name} is locked by job {holder.JobId} ({holder.Description}), started {holder.StartTime:u}");
        }

        foreach (Guid diskId in disks)
        {
            if (await JobStore.RunningJobOfAsync(s, diskId, cancellationToken).ConfigureAwait(false) is { } diskHolder)
            {
                throw new SanpoolException(EngineErrors.DiskLocked, $"disk {diskId} of VM {vm.Name} is locked by job {diskHolder.JobId} ({diskHolder.Description})");
            }
        }
    }

    internal static async Task InsertJobAsync(DbSession s, Job job, IReadOnlyList<Step> steps, Guid vmId, IEnumerable<Guid> disks, CancellationToken cancellationToken)
    {
        await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
        foreach (var step in steps)
        {
            await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
        }

        await JobStore.InsertSubjectsAsync(
            s, [new(job.JobId, vmId, "VM"), .. disks.Select(d => new JobSubject(job.JobId, d, "Disk"))], cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A VM's name, run state and the host it runs on.</summary>
internal sealed record RunState(string Name, VmStatus Status, string? Host);

/// <summary>One disk's part of a snapshot's removal: <see cref="Top"/>'s data goes into <see cref="Base"/>, the snapshot's volume, and top leaves the chain.</summary>
public sealed record SnapshotMerge(Guid DiskId, Guid DomainId, Guid Base, Guid Top);
