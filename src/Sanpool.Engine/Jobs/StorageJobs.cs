using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Pools;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using StorageAllocation = Sanpool.Storage.Metadata.AllocationType;
using StorageFormat = Sanpool.Storage.Metadata.VolumeFormat;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// The disk actions as jobs. Each runs in three parts:
/// <list type="number">
/// <item>In the request: checks, then one transaction writes the job, its step, its subjects
/// and the disk's rows LOCKED (<see cref="Data.Stores.DiskJobStore"/>). A second action on the
/// disk is refused there, naming this job.</item>
/// <item>The SPM's task, submitted through any Up host of the data center (the agent forwards it
/// to the SPM), its id kept in the step and in <c>async_tasks</c> as soon as it is known.</item>
/// <item>In the background: the task is watched until it ends, then the rows are made to say what
/// the storage says (<c>domain.volumes</c>), never what the engine hoped for, and the job ends
/// with an event.</item>
/// </list>
/// After a kill -9 of the engine, <see cref="RecoverAsync"/> takes every job still STARTED
/// through part 3 again: it finds the task (by the step's id, or by its image among the SPM's
/// tasks when the engine died before it wrote the id down), waits for it, and settles the rows
/// from the storage. No row stays LOCKED and no job STARTED once its task has ended.
/// <para>
/// The plumbing every job shares (tasks, waits, events, background parts) is <see cref="JobRunner"/>'s.
/// </para>
/// </summary>
public sealed class StorageJobs(JobRunner runner, ILogger<StorageJobs> logger)
{
    public const string AddDiskAction = "AddDisk";
    public const string RemoveDiskAction = "RemoveDisk";

    private const int MaxAlias = 255;
    private const long MaxSize = 1L << 50;

    /// <summary>Starts a job that creates a disk of one volume; returns once the SPM has the task.</summary>
    /// <exception cref="SanpoolException">INVALID_DISK, STORAGE_DOMAIN_NOT_FOUND, STORAGE_DOMAIN_STATE_CONFLICT, NO_HOST_UP, or the agent's refusal.</exception>
    public async Task<(Job Job, Guid DiskId)> CreateDiskAsync(CreateDiskSpec spec, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Check(spec);
        var (pool, link) = await RouteAsync(spec.DomainId, cancellationToken).ConfigureAwait(false);
        var now = runner.Db.Clock.GetUtcNow();
        var diskId = Guid.NewGuid();
        var volumeId = Guid.NewGuid();
        var job = JobRunner.NewJob(AddDiskAction, $"Adding Disk {spec.Alias}", correlationId, ownerId, now);
        var step = JobRunner.NewStep(job, StepType.CREATE_VOLUME, $"Creating volume {volumeId} on storage domain {spec.DomainId}", 1, now);
        var disk = new BaseDisk(diskId, spec.Alias, spec.Description, false, false, DiskContentType.DATA);
        var volume = new Image(
            volumeId, now, spec.Size, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null,
            spec.Sparse ? VolumeType.Sparse : VolumeType.Preallocated, spec.Format, diskId, true, VolumeClassification.Volume, 1);
        await runner.Db.DiskJobs.BeginCreateAsync(job, step, disk, volume, spec.DomainId, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(EngineEventType.USER_ADD_DISK, AuditLogSeverity.NORMAL, $"Add-Disk operation of {spec.Alias} was initiated on storage domain {spec.DomainId}", job, pool, spec.DomainId).ConfigureAwait(false);

        var request = new ImageCreateRequest(
            spec.DomainId, spec.Size, diskId, volumeId, spec.Format == VolumeFormat.COW ? StorageFormat.COW : StorageFormat.RAW,
            spec.Sparse ? StorageAllocation.SPARSE : StorageAllocation.PREALLOCATED,
            JsonSerializer.Serialize(new Dictionary<string, string?> { ["DiskAlias"] = spec.Alias, ["DiskDescription"] = spec.Description }),
            Wait: true, Forward: true);
        TaskInfo task;
        try
        {
            task = await runner.SubmitAsync(link, AgentVerbs.ImageCreate, request, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            // Refused before any task existed: nothing is on storage, so nothing stays in the database either.
            await runner.Db.DiskJobs.SettleAsync(diskId, [], ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
            await runner.EndAsync(job, pool, spec.DomainId, false, EngineEventType.USER_ADD_DISK_FINISHED_FAILURE, $"Add-Disk operation of {spec.Alias} failed: {e.OneLine}").ConfigureAwait(false);
            throw;
        }

        await runner.RecordTaskAsync(step.StepId, task, pool, ImageCreateVerb, CancellationToken.None).ConfigureAwait(false);
        runner.Launch(job.JobId, stop => FinishCreateAsync(job, step.StepId, pool, link, spec.DomainId, diskId, volumeId, spec.Alias, task.Id, stop));
        return (job, diskId);
    }

    /// <summary>Starts a job that removes a disk, its volumes leaf first; returns once they are LOCKED.</summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND, DISK_LOCKED (naming the job), DISK_ILLEGAL, NO_HOST_UP.</exception>
    public async Task<Job> RemoveDiskAsync(Guid diskId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var disk = await runner.Db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
        var domainId = await DomainOfAsync(diskId, cancellationToken).ConfigureAwait(false);
        var (pool, link) = await RouteAsync(domainId, cancellationToken).ConfigureAwait(false);
        var now = runner.Db.Clock.GetUtcNow();
        var job = JobRunner.NewJob(RemoveDiskAction, $"Removing Disk {disk.DiskAlias}", correlationId, ownerId, now);
        var step = JobRunner.NewStep(job, StepType.REMOVING_IMAGE, $"Removing the volumes of disk {diskId} from storage domain {domainId}", 1, now);
        await runner.Db.DiskJobs.BeginOnDiskAsync(job, step, diskId, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(EngineEventType.USER_REMOVE_DISK, AuditLogSeverity.NORMAL, $"Disk {disk.DiskAlias} removal was initiated", job, pool, domainId).ConfigureAwait(false);
        runner.Launch(job.JobId, stop => FinishRemoveAsync(job, step.StepId, pool, link, domainId, diskId, disk.DiskAlias, null, stop));
        return job;
    }

    /// <summary>
    /// Takes every job still STARTED (an engine stopped in the middle of it) to its end from what
    /// the storage says. Returns how many it took up; each finishes in the background.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([AddDiskAction, RemoveDiskAction], cancellationToken).ConfigureAwait(false))
        {
            var subjects = await runner.Db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var steps = await runner.Db.Jobs.ListStepsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            if (subjects.FirstOrDefault(s => s.EntityType == "Disk") is not { } diskSubject || steps.Count == 0)
            {
                await runner.Db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Guid diskId = diskSubject.EntityId;
            var step = steps[^1];
            var disk = await runner.Db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false);
            var chain = await runner.Db.Images.ListByDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
            if (disk is null || chain.Count == 0)
            {
                // The rows are gone already: the job's end was all that was left to write.
                await runner.Db.Jobs.EndJobAsync(job.JobId, job.ActionType == RemoveDiskAction ? JobExecutionStatus.FINISHED : JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var domainId = await DomainOfAsync(diskId, cancellationToken).ConfigureAwait(false);
            var pool = await PoolOfAsync(domainId, cancellationToken).ConfigureAwait(false);
            JobsLog.Recovering(logger, job.JobId, job.Description, diskId);
            taken++;
            runner.Launch(job.JobId, stop => job.ActionType == AddDiskAction
                ? FinishCreateAsync(job, step.StepId, pool, null, domainId, diskId, chain[0].ImageGuid, disk.DiskAlias, step.ExternalId, stop, recovered: true)
                : FinishRemoveAsync(job, step.StepId, pool, null, domainId, diskId, disk.DiskAlias, step.ExternalId, stop, recovered: true));
        }

        return taken;
    }

    private const string ImageCreateVerb = "image.create";
    private const string VolumeDeleteVerb = "volume.delete";

    private async Task FinishCreateAsync(
        Job job, Guid stepId, StoragePool pool, AgentLink? link, Guid domainId, Guid diskId, Guid volumeId, string alias, Guid? taskId, CancellationToken stop, bool recovered = false)
    {
        var task = await runner.WaitForTaskAsync(pool, link, stepId, taskId, ImageCreateVerb, diskId, stop, JobRunner.TasksSince(job)).ConfigureAwait(false);
        var chain = await runner.StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
        bool created = chain.Volumes.Contains(volumeId) && chain.Illegal.Count == 0;
        await runner.Db.DiskJobs.SettleAsync(diskId, created ? chain.Volumes : [], ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
        string why = task?.Error is { } error ? $": {error}" : task is null ? ": the task is gone and the volume is not on storage" : "";
        await runner.EndAsync(
            job, pool, domainId, created,
            created ? EngineEventType.USER_ADD_DISK_FINISHED_SUCCESS : EngineEventType.USER_ADD_DISK_FINISHED_FAILURE,
            (created ? $"The disk {alias} was successfully added" : $"Add-Disk operation of {alias} failed{why}") + (recovered ? " (finished after an engine restart)" : "")).ConfigureAwait(false);
    }

    private async Task FinishRemoveAsync(
        Job job, Guid stepId, StoragePool pool, AgentLink? link, Guid domainId, Guid diskId, string alias, Guid? taskId, CancellationToken stop, bool recovered = false)
    {
        string suffix = recovered ? " (finished after an engine restart)" : "";
        if (taskId is not null || recovered)
        {
            // A delete the last engine started: let it end before looking at the storage.
            await runner.WaitForTaskAsync(pool, link, stepId, taskId, VolumeDeleteVerb, diskId, stop, JobRunner.TasksSince(job)).ConfigureAwait(false);
        }

        while (true)
        {
            var chain = await runner.StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
            await runner.Db.DiskJobs.SettleAsync(diskId, chain.Volumes, ImageStatus.LOCKED, CancellationToken.None).ConfigureAwait(false);
            if (chain.Volumes.Count == 0)
            {
                await runner.EndAsync(job, pool, domainId, true, EngineEventType.USER_FINISHED_REMOVE_DISK, $"Disk {alias} was successfully removed" + suffix).ConfigureAwait(false);
                return;
            }

            var leaf = chain.Volumes[^1];
            var task = await runner.RunTaskAsync(
                pool, domainId, stepId, AgentVerbs.VolumeDelete, new VolumeDeleteRequest(domainId, diskId, leaf, Wait: true, Forward: true), diskId, stop).ConfigureAwait(false);
            if (task is { State: TaskState.Failed or TaskState.Recovered })
            {
                var left = await runner.StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
                await runner.Db.DiskJobs.SettleAsync(diskId, left.Volumes, left.Illegal.Count > 0 ? ImageStatus.ILLEGAL : ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
                await runner.EndAsync(
                    job, pool, domainId, false, EngineEventType.USER_FINISHED_FAILED_REMOVE_DISK,
                    $"Failed to remove disk {alias} ({left.Volumes.Count} volume(s) left): {task.Error ?? task.State.ToString()}{suffix}").ConfigureAwait(false);
                return;
            }
        }
    }

    private Task<(StoragePool Pool, AgentLink Link)> RouteAsync(Guid domainId, CancellationToken cancellationToken) =>
        runner.Hosts.RouteAsync(domainId, cancellationToken);

    private Task<StoragePool> PoolOfAsync(Guid domainId, CancellationToken cancellationToken) =>
        runner.Hosts.PoolOfAsync(domainId, cancellationToken);

    private async Task<Guid> DomainOfAsync(Guid diskId, CancellationToken cancellationToken) =>
        await runner.Hosts.DomainOfDiskAsync(diskId, cancellationToken).ConfigureAwait(false);

    private static void Check(CreateDiskSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Alias) || spec.Alias.Length > MaxAlias || spec.Alias.Any(char.IsControl))
        {
            throw new SanpoolException(EngineErrors.InvalidDisk, $"alias: 1 to {MaxAlias} printable characters");
        }

        if (spec.Description is { } d && (d.Length > 4000 || d.Any(c => char.IsControl(c) && c != '\n')))
        {
            throw new SanpoolException(EngineErrors.InvalidDisk, "description: at most 4000 characters, no control characters but newlines");
        }

        if (spec.Size <= 0 || spec.Size % 512 != 0 || spec.Size > MaxSize)
        {
            throw new SanpoolException(EngineErrors.InvalidDisk, $"provisioned_size {spec.Size}: a positive multiple of 512 bytes, at most {MaxSize}");
        }
    }
}
