using System.Collections.Concurrent;
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
/// Shared state: <see cref="_running"/> (the background parts, by job id) is a concurrent
/// dictionary touched by requests, recovery and the parts themselves; everything else a job
/// knows is in the database, guarded by its transactions.
/// </para>
/// </summary>
public sealed partial class StorageJobs(EngineDatabase db, IAgentCaller agents, PoolAgents hosts, JobTimings timings, ILogger<StorageJobs> logger) : IAsyncDisposable
{
    public const string AddDiskAction = "AddDisk";
    public const string RemoveDiskAction = "RemoveDisk";

    private const int MaxAlias = 255;
    private const long MaxSize = 1L << 50;

    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    /// <summary>Starts a job that creates a disk of one volume; returns once the SPM has the task.</summary>
    /// <exception cref="SanpoolException">INVALID_DISK, STORAGE_DOMAIN_NOT_FOUND, STORAGE_DOMAIN_STATE_CONFLICT, NO_HOST_UP, or the agent's refusal.</exception>
    public async Task<(Job Job, Guid DiskId)> CreateDiskAsync(CreateDiskSpec spec, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Check(spec);
        var (pool, link) = await RouteAsync(spec.DomainId, cancellationToken).ConfigureAwait(false);
        var now = db.Clock.GetUtcNow();
        var diskId = Guid.NewGuid();
        var volumeId = Guid.NewGuid();
        var job = NewJob(AddDiskAction, $"Adding Disk {spec.Alias}", correlationId, ownerId, now);
        var step = NewStep(job, StepType.CREATE_VOLUME, $"Creating volume {volumeId} on storage domain {spec.DomainId}", now);
        var disk = new BaseDisk(diskId, spec.Alias, spec.Description, false, false, DiskContentType.DATA);
        var volume = new Image(
            volumeId, now, spec.Size, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null,
            spec.Sparse ? VolumeType.Sparse : VolumeType.Preallocated, spec.Format, diskId, true, VolumeClassification.Volume, 1);
        await db.DiskJobs.BeginCreateAsync(job, step, disk, volume, spec.DomainId, cancellationToken).ConfigureAwait(false);
        await EventAsync(EngineEventType.USER_ADD_DISK, AuditLogSeverity.NORMAL, $"Add-Disk operation of {spec.Alias} was initiated on storage domain {spec.DomainId}", job, pool, spec.DomainId).ConfigureAwait(false);

        var request = new ImageCreateRequest(
            spec.DomainId, spec.Size, diskId, volumeId, spec.Format == VolumeFormat.COW ? StorageFormat.COW : StorageFormat.RAW,
            spec.Sparse ? StorageAllocation.SPARSE : StorageAllocation.PREALLOCATED,
            JsonSerializer.Serialize(new Dictionary<string, string?> { ["DiskAlias"] = spec.Alias, ["DiskDescription"] = spec.Description }),
            Wait: true, Forward: true);
        TaskInfo task;
        try
        {
            task = (await agents.CallAsync(link, AgentVerbs.ImageCreate, request, timings.SubmitTimeout, cancellationToken).ConfigureAwait(false)).Task;
        }
        catch (SanpoolException e)
        {
            // Refused before any task existed: nothing is on storage, so nothing stays in the database either.
            await db.DiskJobs.SettleAsync(diskId, [], ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
            await EndAsync(job, pool, spec.DomainId, false, EngineEventType.USER_ADD_DISK_FINISHED_FAILURE, $"Add-Disk operation of {spec.Alias} failed: {e.OneLine}").ConfigureAwait(false);
            throw;
        }

        await RecordTaskAsync(step.StepId, task, pool, ImageCreateVerb, CancellationToken.None).ConfigureAwait(false);
        Launch(job.JobId, () => FinishCreateAsync(job, step.StepId, pool, link, spec.DomainId, diskId, volumeId, spec.Alias, task.Id, _stopping.Token));
        return (job, diskId);
    }

    /// <summary>Starts a job that removes a disk, its volumes leaf first; returns once they are LOCKED.</summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND, DISK_LOCKED (naming the job), DISK_ILLEGAL, NO_HOST_UP.</exception>
    public async Task<Job> RemoveDiskAsync(Guid diskId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var disk = await db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
        var domainId = await DomainOfAsync(diskId, cancellationToken).ConfigureAwait(false);
        var (pool, link) = await RouteAsync(domainId, cancellationToken).ConfigureAwait(false);
        var now = db.Clock.GetUtcNow();
        var job = NewJob(RemoveDiskAction, $"Removing Disk {disk.DiskAlias}", correlationId, ownerId, now);
        var step = NewStep(job, StepType.REMOVING_IMAGE, $"Removing the volumes of disk {diskId} from storage domain {domainId}", now);
        await db.DiskJobs.BeginOnDiskAsync(job, step, diskId, cancellationToken).ConfigureAwait(false);
        await EventAsync(EngineEventType.USER_REMOVE_DISK, AuditLogSeverity.NORMAL, $"Disk {disk.DiskAlias} removal was initiated", job, pool, domainId).ConfigureAwait(false);
        Launch(job.JobId, () => FinishRemoveAsync(job, step.StepId, pool, link, domainId, diskId, disk.DiskAlias, null, _stopping.Token));
        return job;
    }

    /// <summary>
    /// Takes every job still STARTED (an engine stopped in the middle of it) to its end from what
    /// the storage says. Returns how many it took up; each finishes in the background.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        int taken = 0;
        foreach (var job in await db.Jobs.ListStartedJobsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_running.ContainsKey(job.JobId) || job.ActionType is not (AddDiskAction or RemoveDiskAction))
            {
                continue;
            }

            var subjects = await db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var steps = await db.Jobs.ListStepsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            if (subjects.FirstOrDefault(s => s.EntityType == "Disk") is not { } diskSubject || steps.Count == 0)
            {
                await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Guid diskId = diskSubject.EntityId;
            var step = steps[^1];
            var disk = await db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false);
            var chain = await db.Images.ListByDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
            if (disk is null || chain.Count == 0)
            {
                // The rows are gone already: the job's end was all that was left to write.
                await db.Jobs.EndJobAsync(job.JobId, job.ActionType == RemoveDiskAction ? JobExecutionStatus.FINISHED : JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var domainId = await DomainOfAsync(diskId, cancellationToken).ConfigureAwait(false);
            var pool = await PoolOfAsync(domainId, cancellationToken).ConfigureAwait(false);
            JobsLog.Recovering(logger, job.JobId, job.Description, diskId);
            taken++;
            Launch(job.JobId, () => job.ActionType == AddDiskAction
                ? FinishCreateAsync(job, step.StepId, pool, null, domainId, diskId, chain[0].ImageGuid, disk.DiskAlias, step.ExternalId, _stopping.Token, recovered: true)
                : FinishRemoveAsync(job, step.StepId, pool, null, domainId, diskId, disk.DiskAlias, step.ExternalId, _stopping.Token, recovered: true));
        }

        return taken;
    }

    /// <summary>Waits for the background parts of every job this engine runs (tests; recovery finished).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_running.Values);

    private const string ImageCreateVerb = "image.create";
    private const string VolumeDeleteVerb = "volume.delete";

    private async Task FinishCreateAsync(
        Job job, Guid stepId, StoragePool pool, AgentLink? link, Guid domainId, Guid diskId, Guid volumeId, string alias, Guid? taskId, CancellationToken stop, bool recovered = false)
    {
        var task = await WaitForTaskAsync(pool, link, stepId, taskId, ImageCreateVerb, diskId, stop).ConfigureAwait(false);
        var chain = await StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
        bool created = chain.Volumes.Contains(volumeId) && chain.Illegal.Count == 0;
        await db.DiskJobs.SettleAsync(diskId, created ? chain.Volumes : [], ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
        string why = task?.Error is { } error ? $": {error}" : task is null ? ": the task is gone and the volume is not on storage" : "";
        await EndAsync(
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
            await WaitForTaskAsync(pool, link, stepId, taskId, VolumeDeleteVerb, diskId, stop).ConfigureAwait(false);
        }

        while (true)
        {
            var chain = await StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
            await db.DiskJobs.SettleAsync(diskId, chain.Volumes, ImageStatus.LOCKED, CancellationToken.None).ConfigureAwait(false);
            if (chain.Volumes.Count == 0)
            {
                await EndAsync(job, pool, domainId, true, EngineEventType.USER_FINISHED_REMOVE_DISK, $"Disk {alias} was successfully removed" + suffix).ConfigureAwait(false);
                return;
            }

            var leaf = chain.Volumes[^1];
            var route = link ?? (await RouteAsync(domainId, stop).ConfigureAwait(false)).Link;
            TaskInfo? task;
            try
            {
                var submitted = await agents.CallAsync(
                    route, AgentVerbs.VolumeDelete, new VolumeDeleteRequest(domainId, diskId, leaf, Wait: true, Forward: true), timings.SubmitTimeout, stop).ConfigureAwait(false);
                await RecordTaskAsync(stepId, submitted.Task, pool, VolumeDeleteVerb, CancellationToken.None).ConfigureAwait(false);
                task = await WaitForTaskAsync(pool, route, stepId, submitted.Task.Id, VolumeDeleteVerb, diskId, stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested)
            {
                task = new TaskInfo { Id = Guid.Empty, Verb = VolumeDeleteVerb, State = TaskState.Failed, Error = e.OneLine };
            }

            if (task is { State: TaskState.Failed or TaskState.Recovered })
            {
                var left = await StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
                await db.DiskJobs.SettleAsync(diskId, left.Volumes, left.Illegal.Count > 0 ? ImageStatus.ILLEGAL : ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
                await EndAsync(
                    job, pool, domainId, false, EngineEventType.USER_FINISHED_FAILED_REMOVE_DISK,
                    $"Failed to remove disk {alias} ({left.Volumes.Count} volume(s) left): {task.Error ?? task.State.ToString()}{suffix}").ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>
    /// Waits until the task ends, polling any Up host of the pool, and returns its last state;
    /// null if there is no such task (the engine died before submitting it, or it was cleared).
    /// Without an id, the task is looked for among the pool's tasks by its verb and image.
    /// </summary>
    private async Task<TaskInfo?> WaitForTaskAsync(StoragePool pool, AgentLink? link, Guid stepId, Guid? taskId, string verb, Guid image, CancellationToken stop)
    {
        if (taskId is null)
        {
            var tasks = await CallAnyAsync(pool, link, (l, ct) => agents.CallAsync(l, AgentVerbs.TaskList, new TaskListRequest(), timings.CallTimeout, ct), stop).ConfigureAwait(false);
            // The newest task of the job's verb on the image, running or done: its end is what the job waits for.
            var found = tasks
                .Where(t => t.Verb == verb && t.Args.TryGetValue("image", out var i) && Guid.TryParse(i, out var g) && g == image)
                .MaxBy(t => (t.Created, !t.IsDone));
            if (found is null)
            {
                return null;
            }

            taskId = found.Id;
            await RecordTaskAsync(stepId, found, pool, found.Verb, CancellationToken.None).ConfigureAwait(false);
        }

        int? lastProgress = null;
        while (true)
        {
            TaskInfo task;
            try
            {
                task = await CallAnyAsync(pool, link, (l, ct) => agents.CallAsync(l, AgentVerbs.TaskStatus, new TaskStatusRequest(taskId.Value), timings.CallTimeout, ct), stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (e.Code.Name == "TASK_NOT_FOUND")
            {
                return null;
            }

            if (task.IsDone)
            {
                await db.Jobs.UpdateStepProgressAsync(stepId, 100, CancellationToken.None).ConfigureAwait(false);
                return task;
            }

            int progress = (int)Math.Clamp(task.Progress, 0, 99);
            if (progress != lastProgress)
            {
                await db.Jobs.UpdateStepProgressAsync(stepId, progress, CancellationToken.None).ConfigureAwait(false);
                lastProgress = progress;
            }

            await Task.Delay(timings.PollInterval, stop).ConfigureAwait(false);
        }
    }

    /// <summary>The image's chain on storage (base first), and its volumes the storage calls ILLEGAL.</summary>
    private async Task<StorageChain> StorageChainAsync(StoragePool pool, Guid domainId, Guid image, CancellationToken stop)
    {
        var volumes = await CallAnyAsync(pool, null, (l, ct) => agents.CallAsync(l, AgentVerbs.DomainVolumes, new DomainVolumesRequest(domainId), timings.CallTimeout, ct), stop).ConfigureAwait(false);
        var chain = volumes.Chains.FirstOrDefault(c => c.Image == image)?.Volumes ?? [];
        var illegal = volumes.Volumes.Where(v => v.Image == image && v.Metadata is { Legality: not "LEGAL" }).Select(v => v.Id).ToList();
        return new StorageChain(chain, illegal);
    }

    /// <summary>Through <paramref name="preferred"/> or any Up host of the pool, retried until one answers or the engine stops.</summary>
    private Task<T> CallAnyAsync<T>(StoragePool pool, AgentLink? preferred, Func<AgentLink, CancellationToken, Task<T>> call, CancellationToken stop) =>
        hosts.CallAnyAsync(pool, preferred, call, timings.RetryInterval, stop);

    private Task<(StoragePool Pool, AgentLink Link)> RouteAsync(Guid domainId, CancellationToken cancellationToken) =>
        hosts.RouteAsync(domainId, cancellationToken);

    private Task<StoragePool> PoolOfAsync(Guid domainId, CancellationToken cancellationToken) =>
        hosts.PoolOfAsync(domainId, cancellationToken);

    private async Task<Guid> DomainOfAsync(Guid diskId, CancellationToken cancellationToken) =>
        await hosts.DomainOfDiskAsync(diskId, cancellationToken).ConfigureAwait(false);


    private async Task RecordTaskAsync(Guid stepId, TaskInfo task, StoragePool pool, string verb, CancellationToken cancellationToken)
    {
        await db.Jobs.SetStepExternalIdAsync(stepId, task.Id, ExternalSystemType.VDSM, cancellationToken).ConfigureAwait(false);
        if (await db.Jobs.GetAsyncTaskAsync(task.Id, cancellationToken).ConfigureAwait(false) is null)
        {
            await db.Jobs.AddAsyncTaskAsync(
                new AsyncTask(task.Id, verb, AsyncTaskStatus.Running, task.Id, stepId, stepId, pool.Id, db.Clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the job (and its steps), forgets its tasks, and says so in an event.</summary>
    private async Task EndAsync(Job job, StoragePool pool, Guid domainId, bool succeeded, EngineEventType type, string message)
    {
        foreach (var step in await db.Jobs.ListStepsAsync(job.JobId, CancellationToken.None).ConfigureAwait(false))
        {
            if (step.ExternalId is { } task)
            {
                await db.Jobs.RemoveAsyncTaskAsync(task, CancellationToken.None).ConfigureAwait(false);
            }
        }

        await db.Jobs.EndJobAsync(job.JobId, succeeded ? JobExecutionStatus.FINISHED : JobExecutionStatus.FAILED, CancellationToken.None).ConfigureAwait(false);
        await EventAsync(type, succeeded ? AuditLogSeverity.NORMAL : AuditLogSeverity.ERROR, message, job, pool, domainId).ConfigureAwait(false);
        JobsLog.Ended(logger, job.JobId, job.Description, succeeded ? "finished" : "failed", message);
    }

    private Task<long> EventAsync(EngineEventType type, AuditLogSeverity severity, string message, Job job, StoragePool pool, Guid domainId) =>
        EngineEvents.JobAsync(db, type, severity, message, job, pool, domainId, CancellationToken.None);

    /// <summary>Runs a job's background part; a failure is logged and leaves the job STARTED for the next recovery.</summary>
    private void Launch(Guid jobId, Func<Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // The engine stops: the job stays STARTED and the next start finishes it.
            }
            catch (Exception e) when (e is SanpoolException or System.Data.Common.DbException or InvalidOperationException)
            {
                JobsLog.Stuck(logger, jobId, e.Message);
            }
            finally
            {
                _running.TryRemove(jobId, out _);
            }
        });
        _running[jobId] = task;
    }

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

    private static Job NewJob(string action, string description, string correlationId, Guid? ownerId, DateTimeOffset now) =>
        new(Guid.NewGuid(), action, description, JobExecutionStatus.STARTED, ownerId, true, now, null, now, correlationId, false, true);

    private static Step NewStep(Job job, StepType type, string description, DateTimeOffset now) =>
        new(Guid.NewGuid(), null, job.JobId, type, description, 1, JobExecutionStatus.STARTED, 0, now, null, job.CorrelationId, null, null);

    /// <summary>Stops watching: the background parts end where they are, their jobs left STARTED for the next start.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_running.Values).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private sealed record StorageChain(IReadOnlyList<Guid> Volumes, IReadOnlyList<Guid> Illegal);
}
