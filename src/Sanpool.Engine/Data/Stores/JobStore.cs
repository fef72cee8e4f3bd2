using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// User actions as jobs (<c>job</c>) with their steps (<c>step</c>), and the SPM tasks they
/// started (<c>async_tasks</c>). After a restart, <see cref="ListStartedJobsAsync"/> is where
/// recovery begins: every job still STARTED was cut short.
/// </summary>
public sealed class JobStore
{
    private const string JobColumns =
        "job_id, action_type, description, status, owner_id, visible, start_time, end_time, last_update_time, correlation_id, is_external, is_auto_cleared";

    private const string StepColumns =
        "step_id, parent_step_id, job_id, step_type, description, step_number, status, progress, start_time, end_time, correlation_id, " +
        "external_id, external_system_type";

    private const string TaskColumns = "task_id, action_type, status, vdsm_task_id, step_id, command_id, storage_pool_id, started_at";

    private const string Started = nameof(JobExecutionStatus.STARTED);

    private readonly EngineDatabase _db;

    internal JobStore(EngineDatabase db) => _db = db;

    public Task StartJobAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return _db.TransactAsync(s => InsertJobAsync(s, job, cancellationToken), cancellationToken);
    }

    internal static Task<int> InsertJobAsync(DbSession s, Job job, CancellationToken cancellationToken) =>
        s.ExecuteAsync(
            $"INSERT INTO job ({JobColumns}) VALUES (@JobId, @ActionType, @Description, @status, @OwnerId, @Visible, @StartTime, @EndTime, " +
            "@LastUpdateTime, @CorrelationId, @IsExternal, @IsAutoCleared)",
            new
            {
                job.JobId, job.ActionType, job.Description, status = job.Status.ToString(), job.OwnerId, job.Visible, job.StartTime, job.EndTime,
                job.LastUpdateTime, job.CorrelationId, job.IsExternal, job.IsAutoCleared,
            },
            cancellationToken);

    internal static Task<int> InsertStepAsync(DbSession s, Step step, CancellationToken cancellationToken) =>
        s.ExecuteAsync(
            $"INSERT INTO step ({StepColumns}) VALUES (@StepId, @ParentStepId, @JobId, @stepType, @Description, @StepNumber, @status, @Progress, " +
            "@StartTime, @EndTime, @CorrelationId, @ExternalId, @externalSystemType)",
            new
            {
                step.StepId, step.ParentStepId, step.JobId, stepType = step.StepType.ToString(), step.Description, step.StepNumber,
                status = step.Status.ToString(), step.Progress, step.StartTime, step.EndTime, step.CorrelationId, step.ExternalId,
                externalSystemType = step.ExternalSystemType?.ToString(),
            },
            cancellationToken);

    /// <summary>Adds a step to a job; the job's last_update_time becomes now.</summary>
    public Task AddStepAsync(Step step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        return _db.TransactAsync(
            async s =>
            {
                await InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                await TouchJobAsync(s, step.JobId, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>Sets a step's progress (percent, or null if unknown); the job's last_update_time becomes now.</summary>
    public Task UpdateStepProgressAsync(Guid stepId, int? progress, CancellationToken cancellationToken)
    {
        if (progress is < 0 or > 100)
        {
            throw CommonErrors.Invalid($"progress {progress} is not a percentage");
        }

        return _db.TransactAsync(
            async s =>
            {
                var jobId = await JobOfStepAsync(s, stepId, cancellationToken).ConfigureAwait(false);
                await s.ExecuteAsync("UPDATE step SET progress = @progress WHERE step_id = @stepId", new { stepId, progress }, cancellationToken).ConfigureAwait(false);
                await TouchJobAsync(s, jobId, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>Names the SPM task a step waits for.</summary>
    public Task SetStepExternalIdAsync(Guid stepId, Guid externalId, ExternalSystemType systemType, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE step SET external_id = @externalId, external_system_type = @systemType WHERE step_id = @stepId",
                    new { stepId, externalId, systemType = systemType.ToString() },
                    cancellationToken).ConfigureAwait(false),
                $"step {stepId}"),
            cancellationToken);

    /// <summary>Ends a step: its status, end_time now. CONFLICT if it has ended already.</summary>
    public Task EndStepAsync(Guid stepId, JobExecutionStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                var jobId = await JobOfStepAsync(s, stepId, cancellationToken).ConfigureAwait(false);
                int rows = await s.ExecuteAsync(
                    "UPDATE step SET status = @status, end_time = @now WHERE step_id = @stepId AND status = @started",
                    new { stepId, status = Ended(status).ToString(), now = s.Now, started = Started },
                    cancellationToken).ConfigureAwait(false);
                if (rows == 0)
                {
                    throw StoreChecks.Conflict($"step {stepId} has ended already");
                }

                await TouchJobAsync(s, jobId, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// Ends a job: its status, end_time and last_update_time now; its steps still STARTED end
    /// with it, with the same status. CONFLICT if it has ended already.
    /// </summary>
    public Task EndJobAsync(Guid jobId, JobExecutionStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(s => EndJobAsync(s, jobId, status, cancellationToken), cancellationToken);

    internal static async Task EndJobAsync(DbSession s, Guid jobId, JobExecutionStatus status, CancellationToken cancellationToken)
    {
        var now = s.Now;
        string ended = Ended(status).ToString();
        int rows = await s.ExecuteAsync(
            "UPDATE job SET status = @ended, end_time = @now, last_update_time = @now WHERE job_id = @jobId AND status = @started",
            new { jobId, ended, now, started = Started },
            cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            var job = await GetJobAsync(s, jobId, cancellationToken).ConfigureAwait(false) ?? throw StoreChecks.NotFound($"job {jobId}");
            throw StoreChecks.Conflict($"job {jobId} has ended already ({job.Status})");
        }

        await s.ExecuteAsync(
            "UPDATE step SET status = @ended, end_time = @now WHERE job_id = @jobId AND status = @started",
            new { jobId, ended, now, started = Started },
            cancellationToken).ConfigureAwait(false);
    }

    public Task<Job?> GetJobAsync(Guid jobId, CancellationToken cancellationToken) =>
        _db.ReadAsync(s => GetJobAsync(s, jobId, cancellationToken), cancellationToken);

    /// <summary>Jobs, newest first (then by id).</summary>
    public async Task<IReadOnlyList<Job>> ListJobsAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {JobColumns} FROM job ORDER BY start_time DESC, job_id LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                ReadJob,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task<long> CountJobsAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async s => await s.ScalarAsync<long>("SELECT COUNT(*) FROM job", null, cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>Every job still STARTED, oldest first: after a restart, those an engine was running when it stopped.</summary>
    public async Task<IReadOnlyList<Job>> ListStartedJobsAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {JobColumns} FROM job WHERE status = @started ORDER BY start_time, job_id",
                new { started = Started },
                ReadJob,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>A job's steps in step order (then start time and id).</summary>
    public async Task<IReadOnlyList<Step>> ListStepsAsync(Guid jobId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {StepColumns} FROM step WHERE job_id = @jobId ORDER BY step_number, start_time, step_id",
                new { jobId },
                ReadStep,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task AddAsyncTaskAsync(AsyncTask task, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            s => s.ExecuteAsync(
                $"INSERT INTO async_tasks ({TaskColumns}) VALUES (@TaskId, @ActionType, @Status, @VdsmTaskId, @StepId, @CommandId, @StoragePoolId, @StartedAt)",
                task,
                cancellationToken),
            cancellationToken);

    public Task SetAsyncTaskStatusAsync(Guid taskId, AsyncTaskStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync("UPDATE async_tasks SET status = @status WHERE task_id = @taskId", new { taskId, status }, cancellationToken).ConfigureAwait(false),
                $"task {taskId}"),
            cancellationToken);

    /// <summary>Forgets a task its command has cleared. False if there was none.</summary>
    public Task<bool> RemoveAsyncTaskAsync(Guid taskId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => await s.ExecuteAsync("DELETE FROM async_tasks WHERE task_id = @taskId", new { taskId }, cancellationToken).ConfigureAwait(false) > 0,
            cancellationToken);

    /// <summary>The pool's tasks, oldest first.</summary>
    public async Task<IReadOnlyList<AsyncTask>> ListAsyncTasksAsync(Guid storagePoolId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {TaskColumns} FROM async_tasks WHERE storage_pool_id = @storagePoolId ORDER BY started_at, task_id",
                new { storagePoolId },
                ReadTask,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task<AsyncTask?> GetAsyncTaskAsync(Guid taskId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {TaskColumns} FROM async_tasks WHERE task_id = @taskId", new { taskId }, ReadTask, cancellationToken),
            cancellationToken);

    /// <summary>What a job works on (<c>job_subject_entity</c>), by entity id.</summary>
    public async Task<IReadOnlyList<JobSubject>> ListSubjectsAsync(Guid jobId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                "SELECT job_id, entity_id, entity_type FROM job_subject_entity WHERE job_id = @jobId ORDER BY entity_type, entity_id",
                new { jobId },
                r => new JobSubject(r.Uuid("job_id"), r.Uuid("entity_id"), r.Text("entity_type")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>The STARTED job that works on <paramref name="entityId"/>, or null.</summary>
    public Task<Job?> RunningJobOfAsync(Guid entityId, CancellationToken cancellationToken) =>
        _db.ReadAsync(s => RunningJobOfAsync(s, entityId, cancellationToken), cancellationToken);

    internal static async Task InsertSubjectsAsync(DbSession s, IEnumerable<JobSubject> subjects, CancellationToken cancellationToken)
    {
        foreach (var subject in subjects)
        {
            await s.ExecuteAsync(
                "INSERT INTO job_subject_entity (job_id, entity_id, entity_type) VALUES (@JobId, @EntityId, @EntityType)",
                subject,
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every entity a STARTED job works on.</summary>
    public async Task<IReadOnlySet<Guid>> ListBusyEntitiesAsync(CancellationToken cancellationToken) =>
        (await _db.ReadAsync(
            s => s.QueryAsync(
                "SELECT DISTINCT e.entity_id FROM job_subject_entity e JOIN job j ON j.job_id = e.job_id WHERE j.status = @started",
                new { started = Started },
                r => r.Uuid("entity_id"),
                cancellationToken),
            cancellationToken).ConfigureAwait(false)).ToHashSet();

    /// <summary>The STARTED job that works on <paramref name="entityId"/>, if one does (the oldest).</summary>
    internal static Task<Job?> RunningJobOfAsync(DbSession s, Guid entityId, CancellationToken cancellationToken) =>
        s.QuerySingleOrDefaultAsync(
            $"SELECT {string.Join(", ", JobColumns.Split(", ").Select(c => "j." + c))} FROM job j " +
            "JOIN job_subject_entity e ON e.job_id = j.job_id WHERE e.entity_id = @entityId AND j.status = @started ORDER BY j.start_time LIMIT 1",
            new { entityId, started = Started },
            ReadJob,
            cancellationToken);

    private static JobExecutionStatus Ended(JobExecutionStatus status) =>
        status == JobExecutionStatus.STARTED ? throw CommonErrors.Invalid("a job or step cannot end as STARTED") : status;

    private static Task<Job?> GetJobAsync(DbSession s, Guid jobId, CancellationToken cancellationToken) =>
        s.QuerySingleOrDefaultAsync($"SELECT {JobColumns} FROM job WHERE job_id = @jobId", new { jobId }, ReadJob, cancellationToken);

    private static async Task<Guid> JobOfStepAsync(DbSession s, Guid stepId, CancellationToken cancellationToken)
    {
        var jobs = await s.QueryAsync("SELECT job_id FROM step WHERE step_id = @stepId", new { stepId }, r => r.Uuid("job_id"), cancellationToken).ConfigureAwait(false);
        return jobs.Count == 1 ? jobs[0] : throw StoreChecks.NotFound($"step {stepId}");
    }

    private static Task<int> TouchJobAsync(DbSession s, Guid jobId, CancellationToken cancellationToken) =>
        s.ExecuteAsync("UPDATE job SET last_update_time = @now WHERE job_id = @jobId", new { jobId, now = s.Now }, cancellationToken);

    internal static Job ReadJob(Row r) => new(
        r.Uuid("job_id"),
        r.Text("action_type"),
        r.Text("description"),
        r.Named<JobExecutionStatus>("status"),
        r.UuidOrNull("owner_id"),
        r.Flag("visible"),
        r.Time("start_time"),
        r.TimeOrNull("end_time"),
        r.Time("last_update_time"),
        r.Text("correlation_id"),
        r.Flag("is_external"),
        r.Flag("is_auto_cleared"));

    private static AsyncTask ReadTask(Row r) => new(
        r.Uuid("task_id"),
        r.Text("action_type"),
        r.Coded<AsyncTaskStatus>("status"),
        r.Uuid("vdsm_task_id"),
        r.UuidOrNull("step_id"),
        r.Uuid("command_id"),
        r.Uuid("storage_pool_id"),
        r.Time("started_at"));

    internal static Step ReadStep(Row r) => new(
        r.Uuid("step_id"),
        r.UuidOrNull("parent_step_id"),
        r.Uuid("job_id"),
        r.Named<StepType>("step_type"),
        r.Text("description"),
        r.Int32Value("step_number"),
        r.Named<JobExecutionStatus>("status"),
        r.Int32OrNull("progress"),
        r.Time("start_time"),
        r.TimeOrNull("end_time"),
        r.Text("correlation_id"),
        r.UuidOrNull("external_id"),
        r.NamedOrNull<ExternalSystemType>("external_system_type"));
}
