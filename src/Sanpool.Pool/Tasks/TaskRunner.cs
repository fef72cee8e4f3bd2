using Sanpool.Api.Tasks;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Spm;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Tasks;

/// <summary>
/// Runs the SPM's structural verbs as persisted tasks (reference section 6): a task is saved
/// Running before its operation writes its journal entry, and Finished or Failed after. When
/// the SPM dies, the next SPM's writers recover the journal entries, and <see cref="LoadAsync"/>
/// settles each task from what recovery did to its entry (matched by <see cref="TaskScope"/>):
/// rolled back -> Recovered, finished -> Finished. Finished tasks keep their result until cleared.
/// <para>
/// Shared by the API's request threads, the tasks themselves and the role's transitions:
/// <see cref="_running"/> and <see cref="_claims"/> are concurrent maps; the task records
/// (<see cref="TaskStore"/>) change only through <see cref="UpdateAsync"/> and
/// <see cref="SaveAsync"/>, under <see cref="_writes"/>, so an update is always applied to the
/// newest record (a late progress report cannot turn a Finished task back to Running).
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "its semaphores and token sources hold nothing to release: no AvailableWaitHandle, no CancelAfter timer; they live as long as the object")]
public sealed partial class TaskRunner
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly SpmRole _role;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
    private readonly ConcurrentDictionary<Guid, ResourceClaim> _claims = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private TaskStore? _store;
    private IBlockDevice? _device;

    internal TaskRunner(SpmRole role, ILogger logger)
    {
        _role = role;
        _logger = logger;
    }

    public IReadOnlyList<Guid> Running => [.. _running.Keys];

    /// <summary>Loads the pool's tasks on becoming SPM and settles those the last SPM left unfinished.</summary>
    internal async Task LoadAsync(IReadOnlyList<RecoveredOperation> recovered, CancellationToken cancellationToken)
    {
        if (_device is not null)
        {
            await _device.DisposeAsync().ConfigureAwait(false);
        }

        _device = await _role.Host.Master.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
        _store = await TaskStore.LoadAsync(_device, cancellationToken).ConfigureAwait(false);
        foreach (var task in _store.All.Where(t => !t.IsDone))
        {
            var settled = Settle(task, recovered.Where(r => r.Entry.Task == task.Id).ToList());
            await SaveAsync(settled, cancellationToken).ConfigureAwait(false);
            LogTaskRecovered(_logger, _role.Host.Options.Pool, task.Id, task.Verb, settled.State, settled.Error ?? settled.Result ?? "");
        }
    }

    private TaskRecord Settle(TaskRecord task, List<RecoveredOperation> recovered)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string by = $"after failover to host {_role.Host.Options.HostId}";
        if (recovered.Count > 0 && recovered.All(r => r.Finished))
        {
            return task with { State = TaskState.Finished, Progress = 100, Updated = now, Result = $"finished {by}: {string.Join("; ", recovered.Select(r => r.What))}" };
        }

        string what = recovered.Count > 0
            ? string.Join("; ", recovered.Select(r => r.What))
            : task.State == TaskState.Queued
                ? $"it was still queued ({task.Waiting ?? "waiting for its resources"}) and had changed nothing"
                : "no journal entry was left: its operation had not begun, or had already ended (see dump-volume-chains)";
        return task with
        {
            State = TaskState.Recovered,
            Updated = now,
            Waiting = null,
            Error = $"interrupted when its SPM was lost; {what} ({by})",
            ErrorCode = PoolErrors.SpmLeaseLost.Value,
            ErrorName = PoolErrors.SpmLeaseLost.Name,
            Transient = true,
        };
    }

    /// <summary>Every task the pool keeps (running, finished, not yet cleared).</summary>
    public IReadOnlyList<TaskRecord> List() => [.. (_store?.All ?? []).Select(WithWaiting)];

    public TaskRecord Get(Guid id) =>
        WithWaiting(_store?.Find(id) ?? throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {_role.Host.Options.Pool}"));

    /// <summary>A queued task's record with what it waits for now (the holder of an image changes as tasks end).</summary>
    private TaskRecord WithWaiting(TaskRecord task) =>
        task.State == TaskState.Queued && _claims.TryGetValue(task.Id, out var claim) && claim.WaitingFor is { } waiting
            ? task with { Waiting = waiting }
            : task;

    /// <summary>Forgets a finished, failed or recovered task.</summary>
    public async Task ClearAsync(Guid id, CancellationToken cancellationToken)
    {
        await _role.RequireSpmAsync(cancellationToken).ConfigureAwait(false);
        if (!Get(id).IsDone)
        {
            throw new SanpoolException(PoolErrors.TaskRunning, $"task {id} is still {Get(id).State}; it can be cleared once it ends");
        }

        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _role.CheckLease();
            await _store!.ClearAsync(id, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// Claims the plan's resources (<see cref="ResourceManager"/>), saves the new task, and runs
    /// its body in the background once the claim is granted; returns at once. A task whose claim
    /// must wait is saved Queued, and its status says what it waits for; with
    /// <paramref name="wait"/> false it is refused instead (IMAGE_BUSY naming the holder) and no
    /// task is made. Claims queue in the order of the calls, so two tasks on one image run in
    /// submission order. A claim granted at once runs the plan's <see cref="TaskPlan.Check"/>
    /// first: if it throws, the claim is let go, no task is made, and the caller gets the error.
    /// </summary>
    public async Task<TaskRecord> SubmitAsync(string verb, Dictionary<string, string> args, TaskPlan plan, bool wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var body = plan.Body;
        await _role.RequireSpmAsync(cancellationToken).ConfigureAwait(false);
        var id = Guid.NewGuid();
        string owner = $"task {id} ({verb})";
        var claim = wait
            ? _role.Resources.Claim(owner, plan.Resources)
            : _role.Resources.TryClaim(owner, plan.Resources, out string? blocker)
              ?? throw new SanpoolException(PoolErrors.ImageBusy, $"{verb} not started (wait: false): {blocker}", isTransient: true);
        if (claim.IsGranted && plan.Check is { } check)
        {
            try
            {
                await check(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                claim.Dispose();
                throw;
            }
        }

        var lost = _role.Lost;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskRecord task;
        try
        {
            long now = Now();
            task = new TaskRecord
            {
                Id = id,
                Verb = verb,
                Args = args,
                State = claim.IsGranted ? TaskState.Running : TaskState.Queued,
                Waiting = claim.WaitingFor,
                Host = _role.Host.Options.HostId,
                Lver = (await _role.StatusAsync(cancellationToken).ConfigureAwait(false)).Lver,
                Created = now,
                Updated = now,
            };
            _claims[id] = claim;
            await SaveAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _claims.TryRemove(id, out _);
            claim.Dispose();
            throw;
        }

        _running[id] = Task.Run(async () =>
        {
            await started.Task.ConfigureAwait(false);
            await RunAsync(task, claim, body, lost).ConfigureAwait(false);
        }, CancellationToken.None);
        started.SetResult();
        return WithWaiting(task);
    }

    private async Task RunAsync(TaskRecord task, ResourceClaim claim, Func<TaskContext, Task<string>> body, CancellationToken lost)
    {
        var pool = _role.Host.Options.Pool;
        var progress = new ProgressSaver(this, task, lost);
        try
        {
            using (claim)
            {
                if (!claim.IsGranted)
                {
                    LogTaskQueued(_logger, pool, task.Id, task.Verb, claim.WaitingFor ?? "its turn");
                    await claim.WaitAsync(lost).ConfigureAwait(false);
                    await UpdateAsync(task.Id, t => t with { State = TaskState.Running, Waiting = null, Updated = Now() }, lost).ConfigureAwait(false);
                }

                LogTaskStarted(_logger, pool, task.Id, task.Verb, _role.Host.Options.HostId, string.Join(", ", claim.Requests));
                using (TaskScope.Enter(task.Id))
                {
                    string result = await body(new TaskContext(task.Id, progress.Report, lost)).ConfigureAwait(false);
                    await UpdateAsync(task.Id, t => t with { State = TaskState.Finished, Progress = 100, Result = result, Updated = Now() }, lost).ConfigureAwait(false);
                    LogTaskEnded(_logger, pool, task.Id, task.Verb, TaskState.Finished, result);
                }
            }
        }
        catch (Exception e) when (!lost.IsCancellationRequested)
        {
            // Any error ends the task Failed: one that escaped here would leave it Running for good.
            string error = e is SanpoolException s ? s.OneLine : $"{e.GetType().Name}: {e.Message}";
            var code = e is SanpoolException se ? se.Code : (ErrorCode?)null;
            await UpdateAsync(task.Id, t => t with
            {
                State = TaskState.Failed,
                Error = error,
                ErrorCode = code?.Value,
                ErrorName = code?.Name,
                Transient = e is SanpoolException { IsTransient: true } ? true : null,
                Updated = Now(),
            }, CancellationToken.None).ConfigureAwait(false);
            LogTaskEnded(_logger, pool, task.Id, task.Verb, TaskState.Failed, error);
        }
        catch (Exception e) when (lost.IsCancellationRequested)
        {
            // The role is gone: the record stays Running (or Queued) on storage for the next SPM to settle.
            LogTaskAbandoned(_logger, pool, task.Id, task.Verb, e.Message);
        }
        finally
        {
            _claims.TryRemove(task.Id, out _);
            _running.TryRemove(task.Id, out _);
        }
    }

    /// <summary>Waits for every running task to end; false if one is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout)
    {
        var all = Task.WhenAll(_running.Values);
        return await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false) == all;
    }

    /// <summary>Waits for one task to end and returns its record.</summary>
    public async Task<TaskRecord> WaitAsync(Guid id, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(id, out var running))
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return Get(id);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the newest record of <paramref name="id"/> and saves
    /// it, under the write lock; a change that returns null writes nothing.
    /// </summary>
    private async Task UpdateAsync(Guid id, Func<TaskRecord, TaskRecord?> change, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store?.Find(id) is { } current && change(current) is { } changed)
            {
                _role.CheckLease();
                await _store.SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task SaveAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _role.CheckLease();
            await _store!.SaveAsync(task, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writes.Release();
        }
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Persists progress at most once a second or every 5 %, without holding the task up.</summary>
    private sealed class ProgressSaver(TaskRunner runner, TaskRecord task, CancellationToken lost)
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();
        private double _saved;
        private int _saving;

        public void Report(double percent)
        {
            if ((percent - _saved < 5 && _since.Elapsed < ProgressInterval) || Interlocked.Exchange(ref _saving, 1) == 1)
            {
                return;
            }

            _saved = percent;
            _since.Restart();
            _ = SaveAsync(percent);
        }

        private async Task SaveAsync(double percent)
        {
            try
            {
                await runner.UpdateAsync(task.Id, current => current.State == TaskState.Running
                    ? current with { Progress = Math.Round(percent, 1), Updated = Now() }
                    : null, lost).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SanpoolException or OperationCanceledException)
            {
                // Progress is advice; the end state is saved by the task itself.
            }
            finally
            {
                Volatile.Write(ref _saving, 0);
            }
        }
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "pool {Pool}: task {Task} ({Verb}) started on SPM host {HostId}, holding {Resources}")]
    private static partial void LogTaskStarted(ILogger logger, Guid pool, Guid task, string verb, int hostId, string resources);

    [LoggerMessage(EventId = 724, Level = LogLevel.Information, Message = "pool {Pool}: task {Task} ({Verb}) queued: waiting for {Waiting}")]
    private static partial void LogTaskQueued(ILogger logger, Guid pool, Guid task, string verb, string waiting);

    [LoggerMessage(EventId = 721, Level = LogLevel.Information, Message = "pool {Pool}: task {Task} ({Verb}) {State}: {What}")]
    private static partial void LogTaskEnded(ILogger logger, Guid pool, Guid task, string verb, TaskState state, string what);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "pool {Pool}: task {Task} ({Verb}) settled after failover: {State}: {What}")]
    private static partial void LogTaskRecovered(ILogger logger, Guid pool, Guid task, string verb, TaskState state, string what);

    [LoggerMessage(EventId = 723, Level = LogLevel.Warning, Message = "pool {Pool}: task {Task} ({Verb}) abandoned with the SPM role: {Why}")]
    private static partial void LogTaskAbandoned(ILogger logger, Guid pool, Guid task, string verb, string why);
}
