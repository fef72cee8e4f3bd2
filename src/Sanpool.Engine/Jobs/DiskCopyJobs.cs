using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// A disk copied or moved to another storage domain, as jobs in the three parts of
/// <see cref="StorageJobs"/> (rows locked in the request, the SPM's task, the rows settled from
/// the storage):
/// <list type="bullet">
/// <item><see cref="CopyDiskAsync"/>: a new disk (new image, one new volume: the source's chain
/// collapsed by <c>image.copy</c>) written LOCKED at once, the source LOCKED while it is read; both
/// OK once the storage says the copy is whole, the copy's rows gone if it is not there.</item>
/// <item><see cref="MoveDiskAsync"/>: the chain copied as it is (same image, same volumes) onto
/// the target, then the source's volumes deleted leaf first, then, in one transaction, the rows
/// mapped to the target and unlocked. Until that transaction the rows name the source, so an
/// engine killed at any point finds the source in them and the target in the job's subjects;
/// once the whole chain is on the target, the job only goes forward.</item>
/// </list>
/// A disk a running VM uses is refused (VM_IS_RUNNING naming the VM and its host), as is a disk
/// another job holds (DISK_LOCKED naming it); a refusal writes nothing.
/// </summary>
public sealed class DiskCopyJobs(JobRunner runner, ILogger<DiskCopyJobs> logger)
{
    public const string CopyDiskAction = "CopyDisk";
    public const string MoveDiskAction = "MoveDisk";

    private const int MaxAlias = 255;
    private const string Recovered = " (finished after an engine restart)";

    /// <summary>Starts a job that copies a disk into a new one on <paramref name="targetDomain"/>; returns it and the new disk's id.</summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND, INVALID_DISK, STORAGE_DOMAIN_NOT_FOUND, INVALID_TARGET_DOMAIN, STORAGE_DOMAIN_STATE_CONFLICT, NO_HOST_UP, VM_IS_RUNNING, DISK_LOCKED, DISK_ILLEGAL.</exception>
    public async Task<(Job Job, Guid DiskId)> CopyDiskAsync(Guid diskId, Guid targetDomain, string? alias, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var disk = await GetDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        string newAlias = alias ?? (disk.DiskAlias.Length + 5 <= MaxAlias ? disk.DiskAlias + "_copy" : disk.DiskAlias);
        if (string.IsNullOrWhiteSpace(newAlias) || newAlias.Length > MaxAlias || newAlias.Any(char.IsControl))
        {
            throw new SanpoolException(EngineErrors.InvalidDisk, $"alias: 1 to {MaxAlias} printable characters");
        }

        Guid from = await runner.Hosts.DomainOfDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var (pool, target) = await TargetAsync(diskId, from, targetDomain, move: false, cancellationToken).ConfigureAwait(false);
        var chain = await runner.Db.Images.ListByDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var leaf = chain.FirstOrDefault(i => i.Active) ?? chain[^1];

        // The collapsed copy is RAW when the whole chain is, else COW (as image.copy makes it).
        bool raw = chain.All(i => i.VolumeFormat == VolumeFormat.RAW);
        var now = runner.Db.Clock.GetUtcNow();
        var newDisk = new BaseDisk(Guid.NewGuid(), newAlias, disk.DiskDescription, false, disk.WipeAfterDelete, disk.DiskContentType);
        var volume = new Image(
            Guid.NewGuid(), now, leaf.Size, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null,
            raw ? VolumeType.Preallocated : VolumeType.Sparse, raw ? VolumeFormat.RAW : VolumeFormat.COW, newDisk.DiskId, true, VolumeClassification.Volume, 1);
        var job = JobRunner.NewJob(CopyDiskAction, $"Copying Disk {disk.DiskAlias} to storage domain {target.StorageName}", correlationId, ownerId, now);
        var step = JobRunner.NewStep(job, StepType.COPY_IMAGE, $"Copying image {diskId} from storage domain {from} to {targetDomain} as {newDisk.DiskId}", 1, now);
        await runner.Db.DiskJobs.BeginCopyAsync(job, step, diskId, newDisk, volume, targetDomain, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(
            EngineEventType.USER_COPIED_DISK, AuditLogSeverity.NORMAL,
            $"Disk {disk.DiskAlias} copying to storage domain {target.StorageName} as {newAlias} was initiated", job, pool, targetDomain).ConfigureAwait(false);
        var copy = new CopyPlan(diskId, disk.DiskAlias, from, targetDomain, target.StorageName, newDisk.DiskId, newAlias, volume.ImageGuid);
        runner.Launch(job.JobId, stop => FinishCopyAsync(job, step, pool, copy, submit: true, stop));
        return (job, newDisk.DiskId);
    }

    /// <summary>Starts a job that moves a disk to <paramref name="targetDomain"/> (copy, then the source removed); returns it.</summary>
    /// <exception cref="SanpoolException">as <see cref="CopyDiskAsync"/>, and INVALID_TARGET_DOMAIN for the disk's own domain.</exception>
    public async Task<Job> MoveDiskAsync(Guid diskId, Guid targetDomain, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var disk = await GetDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        Guid from = await runner.Hosts.DomainOfDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var (pool, target) = await TargetAsync(diskId, from, targetDomain, move: true, cancellationToken).ConfigureAwait(false);
        var now = runner.Db.Clock.GetUtcNow();
        var job = JobRunner.NewJob(MoveDiskAction, $"Moving Disk {disk.DiskAlias} to storage domain {target.StorageName}", correlationId, ownerId, now);
        List<Step> steps =
        [
            JobRunner.NewStep(job, StepType.COPY_IMAGE, $"Copying image {diskId} from storage domain {from} to {targetDomain}", 1, now),
            JobRunner.NewStep(job, StepType.REMOVING_IMAGE, $"Removing the volumes of image {diskId} from storage domain {from}", 2, now),
        ];
        await runner.Db.DiskJobs.BeginMoveAsync(job, steps, diskId, targetDomain, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(
            EngineEventType.USER_MOVED_DISK, AuditLogSeverity.NORMAL, $"Moving disk {disk.DiskAlias} to storage domain {target.StorageName} was initiated", job, pool, targetDomain)
            .ConfigureAwait(false);
        var move = new MovePlan(diskId, disk.DiskAlias, from, targetDomain, target.StorageName);
        runner.Launch(job.JobId, stop => FinishMoveAsync(job, steps[0], steps[1], pool, move, submit: true, stop));
        return job;
    }

    /// <summary>
    /// Takes every copy and move still STARTED (an engine stopped in the middle of it) to its end
    /// from what the storage says. Returns how many it took up; each finishes in the background.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var db = runner.Db;
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([CopyDiskAction, MoveDiskAction], cancellationToken).ConfigureAwait(false))
        {
            var subjects = await db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var steps = (await db.Jobs.ListStepsAsync(job.JobId, cancellationToken).ConfigureAwait(false)).OrderBy(s => s.StepNumber).ToList();
            Guid? diskId = subjects.FirstOrDefault(s => s.EntityType == DiskJobStore.SourceDisk)?.EntityId;
            Guid? to = subjects.FirstOrDefault(s => s.EntityType == DiskJobStore.TargetDomain)?.EntityId;
            var disk = diskId is { } d ? await db.Disks.GetAsync(d, cancellationToken).ConfigureAwait(false) : null;
            var target = to is { } t ? await db.Pools.GetDomainAsync(t, cancellationToken).ConfigureAwait(false) : null;
            if (disk is null || target is null || steps.Count == 0)
            {
                // Nothing of it is left locked in the rows: only the job's end was not written.
                await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Guid from = await runner.Hosts.DomainOfDiskAsync(disk.DiskId, cancellationToken).ConfigureAwait(false);
            var pool = await runner.Hosts.PoolOfAsync(from, cancellationToken).ConfigureAwait(false);
            CopyJobsLog.Recovering(logger, job.JobId, job.Description, disk.DiskId);
            if (job.ActionType == MoveDiskAction)
            {
                if (from == target.Id)
                {
                    // The rows were mapped to the target and settled (the move's last transaction): only the job's end is missing.
                    await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FINISHED, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                taken++;
                var move = new MovePlan(disk.DiskId, disk.DiskAlias, from, target.Id, target.StorageName);
                runner.Launch(job.JobId, stop => FinishMoveAsync(job, steps[0], steps[^1], pool, move, submit: false, stop));
            }
            else
            {
                Guid newDisk = subjects.FirstOrDefault(s => s.EntityType == DiskJobStore.NewDisk)?.EntityId ?? Guid.Empty;
                var copyRows = await db.Images.ListByDiskAsync(newDisk, cancellationToken).ConfigureAwait(false);
                var newAlias = (await db.Disks.GetAsync(newDisk, cancellationToken).ConfigureAwait(false))?.DiskAlias ?? newDisk.ToString();
                taken++;
                var copy = new CopyPlan(disk.DiskId, disk.DiskAlias, from, target.Id, target.StorageName, newDisk, newAlias, copyRows.Count > 0 ? copyRows[0].ImageGuid : Guid.Empty);
                runner.Launch(job.JobId, stop => FinishCopyAsync(job, steps[0], pool, copy, submit: false, stop));
            }
        }

        return taken;
    }

    private async Task FinishCopyAsync(Job job, Step step, StoragePool pool, CopyPlan copy, bool submit, CancellationToken stop)
    {
        var task = submit
            ? await runner.RunTaskAsync(
                pool, copy.To, step.StepId, AgentVerbs.ImageCopy,
                new ImageCopyRequest(copy.From, copy.DiskId, copy.To, NewImage: copy.NewDisk, Collapse: true, Wait: true, Forward: true, NewVolume: copy.NewVolume),
                copy.DiskId, stop).ConfigureAwait(false)
            : await runner.WaitForTaskAsync(
                pool, null, step.StepId, step.ExternalId, AgentVerbs.ImageCopy.Name, copy.DiskId, stop, JobRunner.TasksSince(job),
                t => JobRunner.HasArg(t, "new_image", copy.NewDisk)).ConfigureAwait(false);

        // The copy is what the target has of the new image; the source is read again too (a copy only reads it).
        var made = await runner.StorageChainAsync(pool, copy.To, copy.NewDisk, stop).ConfigureAwait(false);
        bool copied = made.Volumes.Contains(copy.NewVolume) && made.Illegal.Count == 0;
        await runner.Db.DiskJobs.SettleAsync(copy.NewDisk, made.Volumes, made.Illegal.Count > 0 ? ImageStatus.ILLEGAL : ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
        await SettleAsync(pool, copy.DiskId, copy.From, stop).ConfigureAwait(false);
        string why = task?.Error is { } error ? error : task is null ? "the task is gone and the copy is not on storage" : "the copy is not whole on storage";
        await runner.EndAsync(
            job, pool, copy.To, copied,
            copied ? EngineEventType.USER_COPIED_DISK_FINISHED_SUCCESS : EngineEventType.USER_COPIED_DISK_FINISHED_FAILURE,
            (copied
                ? $"Disk {copy.Alias} was successfully copied to storage domain {copy.TargetName} as {copy.NewAlias}"
                : $"Failed to copy disk {copy.Alias} to storage domain {copy.TargetName}: {why}" +
                  (made.Volumes.Count > 0 ? $"; the copy's volume(s) {string.Join(", ", made.Volumes)} are ILLEGAL on storage" : "")) + (submit ? "" : Recovered)).ConfigureAwait(false);
    }

    private async Task FinishMoveAsync(Job job, Step copyStep, Step removeStep, StoragePool pool, MovePlan move, bool submit, CancellationToken stop)
    {
        string suffix = submit ? "" : Recovered;
        var rows = (await runner.Db.Images.ListByDiskAsync(move.DiskId, CancellationToken.None).ConfigureAwait(false)).Select(i => i.ImageGuid).ToList();
        var task = submit
            ? await runner.RunTaskAsync(
                pool, move.To, copyStep.StepId, AgentVerbs.ImageCopy, new ImageCopyRequest(move.From, move.DiskId, move.To, Wait: true, Forward: true), move.DiskId, stop)
                .ConfigureAwait(false)
            : await runner.WaitForTaskAsync(
                pool, null, copyStep.StepId, copyStep.ExternalId, AgentVerbs.ImageCopy.Name, move.DiskId, stop, JobRunner.TasksSince(job),
                t => JobRunner.HasArg(t, "target_domain", move.To) && !(t.Args.TryGetValue("new_image", out var copyOf) && Guid.TryParse(copyOf, out _))).ConfigureAwait(false);

        // Whole on the target: every volume of the rows there, none ILLEGAL, and made by this job's
        // copy (a task that failed, say because the image was on the target already, leaves that
        // image alone and the source too). Only then does the source go. After a restart with the
        // task cleared, the storage alone decides.
        var onTarget = await runner.StorageChainAsync(pool, move.To, move.DiskId, stop).ConfigureAwait(false);
        bool copyRan = task is null ? !submit : task.State == TaskState.Finished;
        if (!copyRan || onTarget.Volumes.Count == 0 || onTarget.Illegal.Count > 0 || !rows.All(onTarget.Volumes.Contains))
        {
            await SettleAsync(pool, move.DiskId, move.From, stop).ConfigureAwait(false);
            string why = task?.Error ?? (task is null ? "the copy's task is gone" : "the copy is not whole on the target");
            await runner.EndAsync(
                job, pool, move.To, false, EngineEventType.USER_MOVED_DISK_FINISHED_FAILURE,
                $"Failed to move disk {move.Alias} to storage domain {move.TargetName}: {why}; it stays on storage domain {move.From}" +
                (copyRan && onTarget.Volumes.Count > 0 ? $" (volume(s) {string.Join(", ", onTarget.Volumes)} are left on the target: reconcile it)" : "") + suffix).ConfigureAwait(false);
            return;
        }

        string? left = await RemoveSourceAsync(job, pool, removeStep, move, submit, stop).ConfigureAwait(false);
        await runner.Db.DiskJobs.EndMoveAsync(
            move.DiskId, move.From, move.To, onTarget.Volumes, ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
        await runner.EndAsync(
            job, pool, move.To, left is null,
            left is null ? EngineEventType.USER_MOVED_DISK_FINISHED_SUCCESS : EngineEventType.USER_MOVED_DISK_FINISHED_FAILURE,
            (left is null
                ? $"Disk {move.Alias} was successfully moved to storage domain {move.TargetName}"
                : $"Disk {move.Alias} was moved to storage domain {move.TargetName}, but its source was not all removed: {left}") + suffix).ConfigureAwait(false);
    }

    /// <summary>Deletes the image's volumes on the source, leaf first, until none is left; returns why some are left, or null.</summary>
    private async Task<string?> RemoveSourceAsync(Job job, StoragePool pool, Step step, MovePlan move, bool submit, CancellationToken stop)
    {
        if (step.ExternalId is not null || !submit)
        {
            // A delete the last engine started: let it end before looking at the source.
            await runner.WaitForTaskAsync(
                pool, null, step.StepId, step.ExternalId, AgentVerbs.VolumeDelete.Name, move.DiskId, stop, JobRunner.TasksSince(job),
                t => JobRunner.HasArg(t, "domain", move.From)).ConfigureAwait(false);
        }

        while (true)
        {
            var source = await runner.StorageChainAsync(pool, move.From, move.DiskId, stop).ConfigureAwait(false);
            if (source.Volumes.Count == 0)
            {
                return null;
            }

            var task = await runner.RunTaskAsync(
                pool, move.From, step.StepId, AgentVerbs.VolumeDelete,
                new VolumeDeleteRequest(move.From, move.DiskId, source.Volumes[^1], Wait: true, Forward: true), move.DiskId, stop).ConfigureAwait(false);
            if (task is { State: TaskState.Failed or TaskState.Recovered })
            {
                return $"{source.Volumes.Count} volume(s) left on storage domain {move.From} ({task.Error ?? task.State.ToString()}): reconcile that domain";
            }
        }
    }

    /// <summary>The disk's rows made to say what its chain on <paramref name="domainId"/> says, OK or ILLEGAL where the storage says so.</summary>
    private async Task SettleAsync(StoragePool pool, Guid diskId, Guid domainId, CancellationToken stop)
    {
        var chain = await runner.StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
        await runner.Db.DiskJobs.SettleAsync(diskId, chain.Volumes, chain.Illegal.Count > 0 ? ImageStatus.ILLEGAL : ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<BaseDisk> GetDiskAsync(Guid diskId, CancellationToken cancellationToken) =>
        await runner.Db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false)
        ?? throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");

    /// <summary>The target domain, checked: it exists, it is not the source of a move, it is Active in the source's data center with an Up host.</summary>
    private async Task<(StoragePool Pool, StorageDomainStatic Target)> TargetAsync(Guid diskId, Guid from, Guid to, bool move, CancellationToken cancellationToken)
    {
        var target = await runner.Db.Pools.GetDomainAsync(to, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.StorageDomainNotFound, $"storage domain {to} does not exist");
        if (move && from == to)
        {
            throw new SanpoolException(EngineErrors.InvalidTargetDomain, $"disk {diskId} is on storage domain {target.StorageName} already");
        }

        var (pool, _) = await runner.Hosts.RouteAsync(from, cancellationToken).ConfigureAwait(false);
        var (targetPool, _) = await runner.Hosts.RouteAsync(to, cancellationToken).ConfigureAwait(false);
        return targetPool.Id == pool.Id
            ? (pool, target)
            : throw new SanpoolException(EngineErrors.InvalidTargetDomain, $"storage domain {target.StorageName} is in data center {targetPool.Name}, disk {diskId} in {pool.Name}");
    }

    private sealed record CopyPlan(Guid DiskId, string Alias, Guid From, Guid To, string TargetName, Guid NewDisk, string NewAlias, Guid NewVolume);

    private sealed record MovePlan(Guid DiskId, string Alias, Guid From, Guid To, string TargetName);
}
