using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>Jobs, steps and SPM tasks read back equal, and the jobs a restart must recover are the STARTED ones.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class JobStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task A_job_with_steps_reads_back_equal_through_its_whole_life(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var jobs = test.Database.Jobs;
        var job = new Job(Guid.NewGuid(), "CreateSnapshotForVm", "Creating VM Snapshot volumechain1 for VM TestVM", JobExecutionStatus.STARTED,
            Guid.NewGuid(), true, Sample.T0, null, Sample.T0, "corr-1", false, true);
        await jobs.StartJobAsync(job, None);
        var validating = new Step(Guid.NewGuid(), null, job.JobId, StepType.VALIDATING, "Validating", 1, JobExecutionStatus.STARTED, null,
            Sample.T0, null, "corr-1", null, null);
        var executing = new Step(Guid.NewGuid(), null, job.JobId, StepType.EXECUTING, "Executing", 2, JobExecutionStatus.STARTED, 0,
            Sample.T0, null, "corr-1", null, null);
        Guid spmTask = Guid.NewGuid();
        var createVolume = new Step(Guid.NewGuid(), executing.StepId, job.JobId, StepType.CREATE_VOLUME, "Creating volume", 1,
            JobExecutionStatus.STARTED, null, Sample.T0, null, "corr-1", spmTask, ExternalSystemType.VDSM);
        await jobs.AddStepAsync(validating, None);
        await jobs.AddStepAsync(executing, None);
        await jobs.AddStepAsync(createVolume, None);

        Assert.Equal(job with { LastUpdateTime = test.Clock.Now }, await jobs.GetJobAsync(job.JobId, None));
        Assert.Equal(
            new[] { validating, executing, createVolume }.OrderBy(s => s.StepNumber).ThenBy(s => s.StepId.ToString("D"), StringComparer.Ordinal),
            await jobs.ListStepsAsync(job.JobId, None));

        test.Clock.Advance(TimeSpan.FromSeconds(1));
        await jobs.EndStepAsync(validating.StepId, JobExecutionStatus.FINISHED, None);
        await jobs.UpdateStepProgressAsync(executing.StepId, 40, None);
        var validatedAt = test.Clock.Now;
        test.Clock.Advance(TimeSpan.FromSeconds(1));
        await jobs.SetStepExternalIdAsync(executing.StepId, spmTask, ExternalSystemType.VDSM, None);
        Assert.Equal([job.JobId], (await jobs.ListStartedJobsAsync(None)).Select(j => j.JobId));

        await jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, None);

        Assert.Empty(await jobs.ListStartedJobsAsync(None));
        Assert.Equal(
            job with { Status = JobExecutionStatus.FAILED, EndTime = test.Clock.Now, LastUpdateTime = test.Clock.Now },
            await jobs.GetJobAsync(job.JobId, None));
        var steps = (await jobs.ListStepsAsync(job.JobId, None)).ToDictionary(s => s.StepId);
        Assert.Equal(validating with { Status = JobExecutionStatus.FINISHED, EndTime = validatedAt }, steps[validating.StepId]);
        Assert.Equal(
            executing with { Status = JobExecutionStatus.FAILED, EndTime = test.Clock.Now, Progress = 40, ExternalId = spmTask, ExternalSystemType = ExternalSystemType.VDSM },
            steps[executing.StepId]);
        Assert.Equal(createVolume with { Status = JobExecutionStatus.FAILED, EndTime = test.Clock.Now }, steps[createVolume.StepId]);

        var again = await Assert.ThrowsAsync<SanpoolException>(() => jobs.EndJobAsync(job.JobId, JobExecutionStatus.FINISHED, None));
        Assert.Equal(EngineErrors.Conflict, again.Code);
        var unknown = await Assert.ThrowsAsync<SanpoolException>(() => jobs.EndJobAsync(Guid.NewGuid(), JobExecutionStatus.FINISHED, None));
        Assert.Equal(EngineErrors.NotFound, unknown.Code);
    }

    [Theory]
    [BothDatabases]
    public async Task Started_jobs_are_listed_oldest_first_and_all_jobs_newest_first(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var jobs = test.Database.Jobs;
        var ids = new List<Guid>();
        for (int i = 0; i < 5; i++)
        {
            var job = new Job(Guid.NewGuid(), "AddDisk", $"job {i}", JobExecutionStatus.STARTED, null, true, Sample.T0.AddMinutes(i), null,
                Sample.T0.AddMinutes(i), $"c{i}", false, true);
            await jobs.StartJobAsync(job, None);
            ids.Add(job.JobId);
        }

        await jobs.EndJobAsync(ids[1], JobExecutionStatus.FINISHED, None);
        await jobs.EndJobAsync(ids[3], JobExecutionStatus.ABORTED, None);

        Assert.Equal([ids[0], ids[2], ids[4]], (await jobs.ListStartedJobsAsync(None)).Select(j => j.JobId));
        Assert.Equal([ids[4], ids[3]], (await jobs.ListJobsAsync(new Page(2), None)).Select(j => j.JobId));
        Assert.Equal([ids[2], ids[1]], (await jobs.ListJobsAsync(new Page(2, 2), None)).Select(j => j.JobId));
    }

    [Theory]
    [BothDatabases]
    public async Task SPM_tasks_read_back_equal_and_are_forgotten_when_cleared(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var jobs = test.Database.Jobs;
        Guid pool = Guid.NewGuid();
        var task = new AsyncTask(Guid.NewGuid(), "snapshot.create", AsyncTaskStatus.Running, Guid.NewGuid(), null, Guid.NewGuid(), pool, Sample.T0);
        await jobs.AddAsyncTaskAsync(task, None);
        await jobs.SetAsyncTaskStatusAsync(task.TaskId, AsyncTaskStatus.Finished, None);

        Assert.Equal([task with { Status = AsyncTaskStatus.Finished }], await jobs.ListAsyncTasksAsync(pool, None));
        Assert.True(await jobs.RemoveAsyncTaskAsync(task.TaskId, None));
        Assert.False(await jobs.RemoveAsyncTaskAsync(task.TaskId, None));
        Assert.Empty(await jobs.ListAsyncTasksAsync(pool, None));
    }
}
