using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// The transactions of the disk jobs (<see cref="Sanpool.Engine.Jobs.StorageJobs"/>): each begins
/// with the job, its first step, its subjects and the lock of its volumes in one transaction,
/// and ends with the rows made to agree with the storage and the job ended in another. The lock
/// is the volumes' <c>imagestatus</c>, set LOCKED by compare and set (OK to LOCKED, every
/// volume of the chain or none), so two engines' requests, or two of one engine's, can never
/// both lock a disk: the loser is refused with the job that holds it.
/// </summary>
public sealed class DiskJobStore
{
    private readonly EngineDatabase _db;

    internal DiskJobStore(EngineDatabase db) => _db = db;

    /// <summary>A new disk of one volume, LOCKED, with its job and step: nothing of it exists on storage yet.</summary>
    /// <exception cref="SanpoolException">DB_CONSTRAINT if the disk's id is taken.</exception>
    public Task BeginCreateAsync(Job job, Step step, BaseDisk disk, Image volume, Guid domainId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(disk);
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.ImageStatus != ImageStatus.LOCKED)
        {
            throw CommonErrors.Invalid("a disk being created is LOCKED until its job ends");
        }

        return _db.TransactAsync(
            async s =>
            {
                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertSubjectsAsync(s, [new(job.JobId, disk.DiskId, "Disk"), new(job.JobId, domainId, "Storage")], cancellationToken).ConfigureAwait(false);
                await DiskStore.InsertAsync(s, disk, [volume], domainId, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Locks every volume of <paramref name="diskId"/> for <paramref name="job"/> (with its step
    /// and subjects), if all are OK.
    /// </summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND; VM_IS_RUNNING naming the VM and its host; DISK_LOCKED naming the job that holds it; DISK_ILLEGAL.</exception>
    public Task<IReadOnlyList<Image>> BeginOnDiskAsync(Job job, Step step, Guid diskId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(step);
        return _db.TransactAsync<IReadOnlyList<Image>>(
            async s =>
            {
                var chain = await ImageStore.ListByDiskAsync(s, diskId, cancellationToken).ConfigureAwait(false);
                if (chain.Count == 0)
                {
                    throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
                }

                await RefuseRunningAsync(s, diskId, cancellationToken).ConfigureAwait(false);
                await LockDiskAsync(s, diskId, chain, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertSubjectsAsync(s, [new(job.JobId, diskId, "Disk")], cancellationToken).ConfigureAwait(false);
                return chain;
            },
            cancellationToken);
    }

    /// <summary>
    /// Sets every volume of the disk (<paramref name="chain"/>, as read in this transaction)
    /// LOCKED, if all are OK; else throws, and the caller's transaction rolls back.
    /// </summary>
    /// <exception cref="SanpoolException">DISK_LOCKED naming the job that holds it; DISK_ILLEGAL.</exception>
    internal static async Task LockDiskAsync(DbSession s, Guid diskId, IReadOnlyList<Image> chain, CancellationToken cancellationToken)
    {
        int locked = await s.ExecuteAsync(
            "UPDATE images SET imagestatus = @locked WHERE image_group_id = @diskId AND imagestatus = @ok",
            new { diskId, locked = ImageStatus.LOCKED, ok = ImageStatus.OK },
            cancellationToken).ConfigureAwait(false);
        if (locked != chain.Count)
        {
            // Some volume is LOCKED or ILLEGAL: undo nothing by hand, the transaction rolls back.
            var holder = await JobStore.RunningJobOfAsync(s, diskId, cancellationToken).ConfigureAwait(false);
            throw chain.Any(i => i.ImageStatus == ImageStatus.LOCKED) || holder is not null
                ? new SanpoolException(EngineErrors.DiskLocked, holder is null
                    ? $"disk {diskId} is locked, by no running job (reconciliation unlocks it)"
                    : $"disk {diskId} is locked by job {holder.JobId} ({holder.Description}), started {holder.StartTime:u}")
                : new SanpoolException(EngineErrors.DiskIllegal, $"disk {diskId} has an ILLEGAL volume: reconcile it first");
        }
    }

    /// <summary>
    /// Brings a disk's rows in line with <paramref name="onStorage"/> (its volumes on storage, base
    /// first): rows of volumes that are gone are removed, the last one left is the active leaf,
    /// and every one left takes <paramref name="status"/>. With none left the disk itself goes.
    /// </summary>
    public Task SettleAsync(Guid diskId, IReadOnlyList<Guid> onStorage, ImageStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onStorage);
        return _db.TransactAsync(s => SettleAsync(s, diskId, onStorage, status, cancellationToken), cancellationToken);
    }

    private static async Task SettleAsync(DbSession s, Guid diskId, IReadOnlyList<Guid> onStorage, ImageStatus status, CancellationToken cancellationToken)
    {
        var chain = await ImageStore.ListByDiskAsync(s, diskId, cancellationToken).ConfigureAwait(false);
        foreach (var gone in chain.Where(i => !onStorage.Contains(i.ImageGuid)))
        {
            await ImageStore.DeleteAsync(s, gone.ImageGuid, cancellationToken).ConfigureAwait(false);
        }

        var left = chain.Where(i => onStorage.Contains(i.ImageGuid)).ToList();
        if (left.Count == 0)
        {
            await s.ExecuteAsync("DELETE FROM base_disks WHERE disk_id = @diskId", new { diskId }, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Base first, the leaf last: one active volume per disk is a unique index.
        foreach (var volume in left)
        {
            bool leaf = volume.ImageGuid == left[^1].ImageGuid;
            await s.ExecuteAsync(
                "UPDATE images SET imagestatus = @status, active = @leaf, volume_classification = @classification, lastmodified = @now " +
                "WHERE image_guid = @ImageGuid",
                new
                {
                    volume.ImageGuid, status, leaf, now = s.Now,
                    classification = leaf ? VolumeClassification.Volume : VolumeClassification.Snapshot,
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Begins a copy of <paramref name="sourceDiskId"/> into a new disk: refuses a disk a running VM
    /// uses, locks the source's volumes (DISK_LOCKED naming the job that holds them), and writes the
    /// job, its step, its subjects (the source "Disk", the copy "NewDisk", the target "Storage") and
    /// the new disk with its one volume LOCKED on <paramref name="targetDomain"/>, in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND, VM_IS_RUNNING naming the VM and its host, DISK_LOCKED, DISK_ILLEGAL.</exception>
    public Task BeginCopyAsync(Job job, Step step, Guid sourceDiskId, BaseDisk newDisk, Image newVolume, Guid targetDomain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(newDisk);
        ArgumentNullException.ThrowIfNull(newVolume);
        return _db.TransactAsync(
            async s =>
            {
                await LockForJobAsync(s, sourceDiskId, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertSubjectsAsync(
                    s, [new(job.JobId, sourceDiskId, SourceDisk), new(job.JobId, newDisk.DiskId, NewDisk), new(job.JobId, targetDomain, TargetDomain)], cancellationToken)
                    .ConfigureAwait(false);
                await DiskStore.InsertAsync(s, newDisk, [newVolume], targetDomain, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Begins a move of <paramref name="diskId"/> to <paramref name="targetDomain"/>: as a copy's
    /// begin (a running VM's disk refused, the volumes LOCKED by compare and set), with the job's
    /// steps (the copy, then the source's removal) and its subjects (the "Disk" and the target "Storage").
    /// </summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND, VM_IS_RUNNING naming the VM and its host, DISK_LOCKED, DISK_ILLEGAL.</exception>
    public Task BeginMoveAsync(Job job, IReadOnlyList<Step> steps, Guid diskId, Guid targetDomain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(steps);
        return _db.TransactAsync(
            async s =>
            {
                await LockForJobAsync(s, diskId, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                foreach (var step in steps)
                {
                    await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                }

                await JobStore.InsertSubjectsAsync(s, [new(job.JobId, diskId, SourceDisk), new(job.JobId, targetDomain, TargetDomain)], cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Ends a move whose copy is whole on <paramref name="to"/>, in one transaction: every volume
    /// of the disk mapped to <paramref name="from"/> is mapped to <paramref name="to"/> instead, then
    /// the rows are settled from <paramref name="onTarget"/> (the chain on the target) with
    /// <paramref name="status"/>.
    /// </summary>
    public Task EndMoveAsync(Guid diskId, Guid from, Guid to, IReadOnlyList<Guid> onTarget, ImageStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onTarget);
        return _db.TransactAsync(
            async s =>
            {
                await s.ExecuteAsync(
                    "UPDATE image_storage_domain_map SET storage_domain_id = @to " +
                    "WHERE storage_domain_id = @from AND image_id IN (SELECT image_guid FROM images WHERE image_group_id = @diskId)",
                    new { diskId, from, to },
                    cancellationToken).ConfigureAwait(false);
                await SettleAsync(s, diskId, onTarget, status, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>What a copy or move job names its entities by in <c>job_subject_entity</c>.</summary>
    public const string SourceDisk = "Disk";

    public const string NewDisk = "NewDisk";

    public const string TargetDomain = "Storage";

    /// <summary>A disk no running VM uses, every volume of it OK and now LOCKED; else throws and the transaction rolls back.</summary>
    private static async Task LockForJobAsync(DbSession s, Guid diskId, CancellationToken cancellationToken)
    {
        var chain = await ImageStore.ListByDiskAsync(s, diskId, cancellationToken).ConfigureAwait(false);
        if (chain.Count == 0)
        {
            throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
        }

        await RefuseRunningAsync(s, diskId, cancellationToken).ConfigureAwait(false);
        await LockDiskAsync(s, diskId, chain, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses a disk a VM that is not Down uses (VM_IS_RUNNING, naming the VM and its host): until live snapshots exist its volumes are not changed.</summary>
    private static async Task RefuseRunningAsync(DbSession s, Guid diskId, CancellationToken cancellationToken)
    {
        var users = await s.QueryAsync(
            "SELECT v.vm_name, d.status, h.vds_name FROM disk_vm_element e JOIN vm_static v ON v.vm_guid = e.vm_id " +
            "JOIN vm_dynamic d ON d.vm_guid = v.vm_guid LEFT JOIN vds_static h ON h.vds_id = d.run_on_vds WHERE e.disk_id = @diskId",
            new { diskId },
            r => new RunState(r.Text("vm_name"), r.Coded<VmStatus>("status"), r.TextOrNull("vds_name")),
            cancellationToken).ConfigureAwait(false);
        if (users.FirstOrDefault(u => u.Status != VmStatus.Down) is { } running)
        {
            throw new SanpoolException(
                EngineErrors.VmIsRunning,
                $"disk {diskId} is used by VM {running.Name}, which is {running.Status}{(running.Host is null ? "" : $" on host {running.Host}")}: stop it first");
        }
    }

    /// <summary>
    /// A reconciliation as one job, in one transaction: refused (DISK_LOCKED, naming it) while
    /// another job works on the disk; else the disk's rows become <paramref name="chain"/> (base
    /// first, all on <paramref name="domainId"/>): rows of volumes not in it go, rows in it take
    /// its parent, size, status, format and leaf, keeping their creation date and snapshot, and
    /// new ones are added; with an empty chain the disk's row goes too. The job ends FINISHED in the
    /// same transaction.
    /// </summary>
    public Task ReplaceChainAsync(Job job, Step step, Guid diskId, IReadOnlyList<Image> chain, Guid domainId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(chain);
        return _db.TransactAsync(
            async s =>
            {
                if (await JobStore.RunningJobOfAsync(s, diskId, cancellationToken).ConfigureAwait(false) is { } holder)
                {
                    throw new SanpoolException(EngineErrors.DiskLocked, $"disk {diskId} is locked by job {holder.JobId} ({holder.Description}): reconcile it when that job has ended");
                }

                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                await JobStore.InsertSubjectsAsync(s, [new(job.JobId, diskId, "Disk")], cancellationToken).ConfigureAwait(false);
                var rows = (await ImageStore.ListByDiskAsync(s, diskId, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.ImageGuid);
                foreach (var gone in rows.Keys.Where(id => chain.All(c => c.ImageGuid != id)))
                {
                    await ImageStore.DeleteAsync(s, gone, cancellationToken).ConfigureAwait(false);
                }

                if (chain.Count == 0)
                {
                    // The storage has none of the disk: the disk itself goes, as a settle does.
                    await s.ExecuteAsync("DELETE FROM base_disks WHERE disk_id = @diskId", new { diskId }, cancellationToken).ConfigureAwait(false);
                    await JobStore.EndJobAsync(s, job.JobId, JobExecutionStatus.FINISHED, cancellationToken).ConfigureAwait(false);
                    return;
                }

                // No row active first: one active volume per disk is a unique index.
                await s.ExecuteAsync("UPDATE images SET active = @no WHERE image_group_id = @diskId", new { diskId, no = false }, cancellationToken).ConfigureAwait(false);
                foreach (var volume in chain)
                {
                    if (rows.TryGetValue(volume.ImageGuid, out var row))
                    {
                        await s.ExecuteAsync(
                            "UPDATE images SET parentid = @ParentId, it_guid = @ItGuid, size = @Size, imagestatus = @ImageStatus, volume_type = @VolumeType, " +
                            "volume_format = @VolumeFormat, active = @Active, volume_classification = @VolumeClassification, sequence_number = @SequenceNumber, " +
                            "lastmodified = @now WHERE image_guid = @ImageGuid",
                            new
                            {
                                volume.ImageGuid, volume.ParentId, volume.ItGuid, volume.Size, volume.ImageStatus, volume.VolumeType, volume.VolumeFormat,
                                volume.Active, volume.VolumeClassification, volume.SequenceNumber, now = s.Now,
                            },
                            cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await ImageStore.InsertChainAsync(s, [volume], domainId, cancellationToken).ConfigureAwait(false);
                    }
                }

                await JobStore.EndJobAsync(s, job.JobId, JobExecutionStatus.FINISHED, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }
}
