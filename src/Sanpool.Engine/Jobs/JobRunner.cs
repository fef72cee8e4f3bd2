using System.Diagnostics;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// What every storage job (<see cref="StorageJobs"/> for disks, <see cref="VmJobs"/> for VM
/// snapshots) does the same way: submit an SPM task through a host, keep its id in the step and
/// in <c>async_tasks</c>, watch it to its end from any Up host, read the chain the storage has,
/// and end the job with its event. It also owns the jobs' background parts.
/// <para>
/// Shared state: <see cref="_running"/> (the background parts, by job id) is a concurrent
/// dictionary touched by requests, recovery and the parts themselves; everything else a job
/// knows is in the database, guarded by its transactions.
/// </para>
/// </summary>
public sealed partial class JobRunner(EngineDatabase db, IAgentCaller agents, PoolAgents hosts, JobTimings timings, ILogger<JobRunner> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    public EngineDatabase Db => db;

    public PoolAgents Hosts => hosts;

    /// <summary>Cancelled when the engine stops: background parts end where they are.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Whether this engine runs the job's background part now.</summary>
    public bool IsRunning(Guid jobId) => _running.ContainsKey(jobId);

    /// <summary>The jobs of <paramref name="actions"/> left STARTED that this engine does not run: what a recovery takes up.</summary>
    public async Task<IReadOnlyList<Job>> LeftStartedAsync(IReadOnlyCollection<string> actions, CancellationToken cancellationToken) =>
        [.. (await db.Jobs.ListStartedJobsAsync(cancellationToken).ConfigureAwait(false)).Where(j => actions.Contains(j.ActionType) && !IsRunning(j.JobId))];

    /// <summary>Submits a structural verb (forwarded to the SPM by whichever host gets it); returns its task.</summary>
    public async Task<TaskInfo> SubmitAsync<TRequest>(AgentLink link, AgentVerb<TRequest, TaskSubmitted> verb, TRequest request, CancellationToken cancellationToken)
        where TRequest : notnull =>
        (await agents.CallAsync(link, verb, request, timings.SubmitTimeout, cancellationToken).ConfigureAwait(false)).Task;

    /// <summary>
    /// Submits a structural verb and waits for its task, recording it on the step. While the pool
    /// has no SPM to take it (the SPM died, and the next one waits out host_dead) the submit is
    /// tried again, up to <see cref="JobTimings.SubmitRetryFor"/>; when a call broke after it was
    /// sent, the task it may have made is looked for (by verb and image, made since the first
    /// try) before trying again, so a task is never made twice. A refusal comes back as a Failed
    /// task with the reason, so the caller settles from the storage either way.
    /// </summary>
    public async Task<TaskInfo> RunTaskAsync<TRequest>(
        StoragePool pool, Guid domainId, Guid stepId, AgentVerb<TRequest, TaskSubmitted> verb, TRequest request, Guid image, CancellationToken stop)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(verb);
        var started = db.Clock.GetUtcNow();
        var giveUp = DateTime.UtcNow + timings.SubmitRetryFor;
        while (true)
        {
            // The SPM as the database knows it first, then every other Up host: each forwards the
            // verb to the SPM it sees, so a stale record of which host is SPM costs one refusal.
            var links = new List<AgentLink>();
            SanpoolException? last = null;
            try
            {
                var route = (await hosts.RouteAsync(domainId, stop).ConfigureAwait(false)).Link;
                links.Add(route);
                links.AddRange((await hosts.UpHostsAsync(pool.Id, stop).ConfigureAwait(false)).Where(l => l != route));
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested && e.IsTransient)
            {
                last = e;
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested)
            {
                return Refused(verb.Name, e.OneLine);
            }

            foreach (var link in links)
            {
                try
                {
                    var submitted = await SubmitAsync(link, verb, request, stop).ConfigureAwait(false);
                    await RecordTaskAsync(stepId, submitted, pool, verb.Name, CancellationToken.None).ConfigureAwait(false);
                    return await WaitForTaskAsync(pool, link, stepId, submitted.Id, verb.Name, image, stop).ConfigureAwait(false)
                        ?? new TaskInfo { Id = submitted.Id, Verb = verb.Name, State = TaskState.Failed, Error = "the task is gone" };
                }
                catch (SanpoolException e) when (!stop.IsCancellationRequested && PoolAgents.IsUnanswered(e))
                {
                    last = e;
                    if (PoolAgents.MayHaveRun(e)
                        && await WaitForTaskAsync(pool, null, stepId, null, verb.Name, image, stop, notBefore: started.AddSeconds(-30)).ConfigureAwait(false) is { } made)
                    {
                        return made;
                    }
                }
                catch (SanpoolException e) when (!stop.IsCancellationRequested)
                {
                    return Refused(verb.Name, e.OneLine);
                }
            }

            if (DateTime.UtcNow >= giveUp)
            {
                return Refused(verb.Name, last?.OneLine ?? "no host took the task");
            }

            JobsLog.SubmitRetried(logger, verb.Name, image, last?.OneLine ?? "no host is Up");
            await Task.Delay(timings.RetryInterval, stop).ConfigureAwait(false);
        }
    }

    /// <summary>A task that never ran: the job settles from the storage as for one that failed.</summary>
    private static TaskInfo Refused(string verb, string error) => new() { Id = Guid.Empty, Verb = verb, State = TaskState.Failed, Error = error };

    /// <summary>
    /// Waits until the task ends, polling any Up host of the pool, and returns its last state;
    /// null if there is no such task (the engine died before submitting it, or it was cleared).
    /// Without an id, the task is looked for among the pool's tasks by its verb and image (and,
    /// with <paramref name="notBefore"/>, made since then; with <paramref name="mine"/>, one whose
    /// arguments are the job's: an image's tasks outlive their jobs, and the newest image.copy of a
    /// disk being moved may be the copy an earlier job made of it, which the move must not take for
    /// its own and delete the source on the strength of).
    /// </summary>
    public async Task<TaskInfo?> WaitForTaskAsync(
        StoragePool pool, AgentLink? link, Guid stepId, Guid? taskId, string verb, Guid image, CancellationToken stop, DateTimeOffset? notBefore = null,
        Func<TaskInfo, bool>? mine = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (taskId is null)
        {
            var tasks = await CallAnyAsync(pool, link, (l, ct) => agents.CallAsync(l, AgentVerbs.TaskList, new TaskListRequest(), timings.CallTimeout, ct), stop).ConfigureAwait(false);
            // The newest task of the job's verb on the image (made since notBefore), running or done: its end is what the job waits for.
            long since = notBefore?.ToUnixTimeSeconds() ?? long.MinValue;
            var found = tasks
                .Where(t => t.Verb == verb && t.Created >= since && HasArg(t, "image", image) && (mine is null || mine(t)))
                .MaxBy(t => (t.Created, !t.IsDone));
            if (found is null)
            {
                return null;
            }

            taskId = found.Id;
            await RecordTaskAsync(stepId, found, pool, found.Verb, CancellationToken.None).ConfigureAwait(false);
        }

        int? lastProgress = null;
        long waiting = Stopwatch.GetTimestamp();
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

            var interval = Stopwatch.GetElapsedTime(waiting) < timings.QuickPollFor ? timings.QuickPollInterval : timings.PollInterval;
            await Task.Delay(interval, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the task was given <paramref name="value"/> as its argument <paramref name="name"/> (the request's field, snake_case).</summary>
    public static bool HasArg(TaskInfo task, string name, Guid value) =>
        task is not null && task.Args.TryGetValue(name, out var text) && Guid.TryParse(text, out var given) && given == value;

    /// <summary>
    /// The earliest a task of <paramref name="job"/> can have been made, less the clock skew
    /// allowed between the engine and the SPM (as <see cref="RunTaskAsync{TRequest}"/> allows):
    /// what a recovery that looks for the job's task by verb and image takes, no older.
    /// </summary>
    public static DateTimeOffset TasksSince(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.StartTime.AddSeconds(-30);
    }

    /// <summary>The image's chain on storage (base first), and its volumes the storage calls ILLEGAL.</summary>
    public async Task<StorageChain> StorageChainAsync(StoragePool pool, Guid domainId, Guid image, CancellationToken stop)
    {
        var volumes = await CallAnyAsync(pool, null, (l, ct) => agents.CallAsync(l, AgentVerbs.DomainVolumes, new DomainVolumesRequest(domainId, image), timings.CallTimeout, ct), stop).ConfigureAwait(false);
        var chain = volumes.Chains.FirstOrDefault(c => c.Image == image)?.Volumes ?? [];
        var illegal = volumes.Volumes.Where(v => v.Image == image && v.Metadata is { Legality: not "LEGAL" }).Select(v => v.Id).ToList();
        return new StorageChain(chain, illegal);
    }

    /// <summary>Through <paramref name="preferred"/> or any Up host of the pool, retried until one answers or the engine stops.</summary>
    public Task<T> CallAnyAsync<T>(StoragePool pool, AgentLink? preferred, Func<AgentLink, CancellationToken, Task<T>> call, CancellationToken stop) =>
        hosts.CallAnyAsync(pool, preferred, call, timings.RetryInterval, stop);

    /// <summary>Keeps the task's id on the step and in <c>async_tasks</c>, once.</summary>
    public async Task RecordTaskAsync(Guid stepId, TaskInfo task, StoragePool pool, string verb, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(pool);
        await db.Jobs.SetStepExternalIdAsync(stepId, task.Id, ExternalSystemType.VDSM, cancellationToken).ConfigureAwait(false);
        if (await db.Jobs.GetAsyncTaskAsync(task.Id, cancellationToken).ConfigureAwait(false) is null)
        {
            await db.Jobs.AddAsyncTaskAsync(
                new AsyncTask(task.Id, verb, AsyncTaskStatus.Running, task.Id, stepId, stepId, pool.Id, db.Clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the job (and its steps), forgets its tasks, and says so in an event.</summary>
    public async Task EndAsync(Job job, StoragePool pool, Guid? domainId, bool succeeded, EngineEventType type, string message, VmStatic? vm = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        foreach (var step in await db.Jobs.ListStepsAsync(job.JobId, CancellationToken.None).ConfigureAwait(false))
        {
            if (step.ExternalId is { } task)
            {
                await db.Jobs.RemoveAsyncTaskAsync(task, CancellationToken.None).ConfigureAwait(false);
            }
        }

        await db.Jobs.EndJobAsync(job.JobId, succeeded ? JobExecutionStatus.FINISHED : JobExecutionStatus.FAILED, CancellationToken.None).ConfigureAwait(false);
        await EventAsync(type, succeeded ? AuditLogSeverity.NORMAL : AuditLogSeverity.ERROR, message, job, pool, domainId, vm).ConfigureAwait(false);
        JobsLog.Ended(logger, job.JobId, job.Description, succeeded ? "finished" : "failed", message);
    }

    public Task<long> EventAsync(EngineEventType type, AuditLogSeverity severity, string message, Job job, StoragePool pool, Guid? domainId, VmStatic? vm = null) =>
        EngineEvents.JobAsync(db, type, severity, message, job, pool, domainId, vm, CancellationToken.None);

    /// <summary>Runs a job's background part; a failure is logged and leaves the job STARTED for the next recovery.</summary>
    public void Launch(Guid jobId, Func<CancellationToken, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        // The part is in _running before it starts: one that ends at once removes its own
        // entry, never one added after it ended (which IsRunning would then report forever).
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await registered.Task.ConfigureAwait(false);
            try
            {
                await work(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // The engine stops: the job stays STARTED and the next start finishes it.
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                // Whatever went wrong, the job stays STARTED with its rows LOCKED, and the next
                // recovery settles it from the storage; nothing of it reaches the engine's stop.
                JobsLog.Stuck(logger, jobId, $"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                _running.TryRemove(jobId, out _);
            }
        });
        _running[jobId] = task;
        registered.SetResult();
    }

    /// <summary>Waits for the background parts of every job this engine runs (tests; recovery finished).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_running.Values);

    public static Job NewJob(string action, string description, string correlationId, Guid? ownerId, DateTimeOffset now) =>
        new(Guid.NewGuid(), action, description, JobExecutionStatus.STARTED, ownerId, true, now, null, now, correlationId, false, true);

    public static Step NewStep(Job job, StepType type, string description, int number, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(Guid.NewGuid(), null, job.JobId, type, description, number, JobExecutionStatus.STARTED, 0, now, null, job.CorrelationId, null, null);
    }

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
}

/// <summary>An image's chain as the storage has it, base first, and its volumes the storage calls ILLEGAL.</summary>
public sealed record StorageChain(IReadOnlyList<Guid> Volumes, IReadOnlyList<Guid> Illegal);
