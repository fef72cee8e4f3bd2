using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
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
/// </summary>
public sealed partial class TaskRunner
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly SpmRole _role;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, Task> _running = new();
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
            : "no journal entry was left: its operation had not begun, or had already ended (see dump-volume-chains)";
        return task with { State = TaskState.Recovered, Updated = now, Error = $"interrupted when its SPM was lost; {what} ({by})" };
    }

    /// <summary>Every task the pool keeps (running, finished, not yet cleared).</summary>
    public IReadOnlyList<TaskRecord> List() => _store?.All ?? [];

    public TaskRecord Get(Guid id) =>
        _store?.Find(id) ?? throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {_role.Host.Options.Pool}");

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

    /// <summary>Saves a new task Running and runs <paramref name="body"/> in the background; returns at once.</summary>
    public async Task<TaskRecord> SubmitAsync(string verb, Dictionary<string, string> args, Func<TaskContext, Task<string>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        await _role.RequireSpmAsync(cancellationToken).ConfigureAwait(false);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var task = new TaskRecord
        {
            Id = Guid.NewGuid(),
            Verb = verb,
            Args = args,
            State = TaskState.Running,
            Host = _role.Host.Options.HostId,
            Lver = (await _role.StatusAsync(cancellationToken).ConfigureAwait(false)).Lver,
            Created = now,
            Updated = now,
        };
        await SaveAsync(task, cancellationToken).ConfigureAwait(false);
        var lost = _role.Lost;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[task.Id] = Task.Run(async () =>
        {
            await started.Task.ConfigureAwait(false);
            await RunAsync(task, body, lost).ConfigureAwait(false);
        }, CancellationToken.None);
        started.SetResult();
        return task;
    }

    private async Task RunAsync(TaskRecord task, Func<TaskContext, Task<string>> body, CancellationToken lost)
    {
        var pool = _role.Host.Options.Pool;
        LogTaskStarted(_logger, pool, task.Id, task.Verb, _role.Host.Options.HostId);
        var progress = new ProgressSaver(this, task, lost);
        try
        {
            using (TaskScope.Enter(task.Id))
            {
                string result = await body(new TaskContext(task.Id, progress.Report, lost)).ConfigureAwait(false);
                await SaveAsync(Get(task.Id) with { State = TaskState.Finished, Progress = 100, Result = result, Updated = Now() }, lost).ConfigureAwait(false);
                LogTaskEnded(_logger, pool, task.Id, task.Verb, TaskState.Finished, result);
            }
        }
        catch (Exception e) when (!lost.IsCancellationRequested)
        {
            // Any error ends the task Failed: one that escaped here would leave it Running for good.
            string error = e is SanpoolException s ? s.OneLine : $"{e.GetType().Name}: {e.Message}";
            await SaveAsync(Get(task.Id) with { State = TaskState.Failed, Error = error, Updated = Now() }, CancellationToken.None).ConfigureAwait(false);
            LogTaskEnded(_logger, pool, task.Id, task.Verb, TaskState.Failed, error);
        }
        catch (Exception e) when (lost.IsCancellationRequested)
        {
            // The role is gone: the record stays Running on storage for the next SPM to settle.
            LogTaskAbandoned(_logger, pool, task.Id, task.Verb, e.Message);
        }
        finally
        {
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
                if (runner.Get(task.Id) is { State: TaskState.Running } current)
                {
                    await runner.SaveAsync(current with { Progress = Math.Round(percent, 1), Updated = Now() }, lost).ConfigureAwait(false);
                }
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

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "pool {Pool}: task {Task} ({Verb}) started on SPM host {HostId}")]
    private static partial void LogTaskStarted(ILogger logger, Guid pool, Guid task, string verb, int hostId);

    [LoggerMessage(EventId = 721, Level = LogLevel.Information, Message = "pool {Pool}: task {Task} ({Verb}) {State}: {What}")]
    private static partial void LogTaskEnded(ILogger logger, Guid pool, Guid task, string verb, TaskState state, string what);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "pool {Pool}: task {Task} ({Verb}) settled after failover: {State}: {What}")]
    private static partial void LogTaskRecovered(ILogger logger, Guid pool, Guid task, string verb, TaskState state, string what);

    [LoggerMessage(EventId = 723, Level = LogLevel.Warning, Message = "pool {Pool}: task {Task} ({Verb}) abandoned with the SPM role: {Why}")]
    private static partial void LogTaskAbandoned(ILogger logger, Guid pool, Guid task, string verb, string why);
}
