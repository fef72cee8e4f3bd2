using Microsoft.Extensions.Logging;
using Sanpool.Engine.Jobs;

namespace Sanpool.Engine.Tests.Jobs;

public sealed class JobRunnerTests
{
    [Fact]
    public async Task A_job_that_throws_anything_is_logged_as_stuck_and_never_breaks_the_engine_s_stop()
    {
        using var logs = new TestLogs();
        // Launch and StopAsync use neither the database nor the agents.
        var runner = new JobRunner(null!, null!, null!, new JobTimings(), logs.Factory.CreateLogger<JobRunner>());
        var job = Guid.NewGuid();
        var thrown = new TaskCompletionSource();
        runner.Launch(job, async _ =>
        {
            await Task.Yield();
            thrown.SetResult();
            throw new NotSupportedException("a verb the agent does not know");
        });
        await thrown.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(runner.IsRunning(job));

        // Parts that end at once, before Launch returns or while it does: none stays "running".
        var quick = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in quick)
        {
            runner.Launch(id, _ => Task.FromException(new InvalidOperationException("ends at once")));
        }

        await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(quick, runner.IsRunning);
        await runner.DisposeAsync();
        Assert.Contains(logs.Lines, l => l.Contains(job.ToString(), StringComparison.Ordinal)
            && l.Contains("NotSupportedException: a verb the agent does not know", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_cut_off_by_the_engine_s_stop_ends_quietly_and_stays_for_recovery()
    {
        using var logs = new TestLogs();
        var runner = new JobRunner(null!, null!, null!, new JobTimings(), logs.Factory.CreateLogger<JobRunner>());
        var job = Guid.NewGuid();
        var started = new TaskCompletionSource();
        runner.Launch(job, async stop =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, stop);
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(runner.IsRunning(job));

        await runner.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(runner.IsRunning(job));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(job.ToString(), StringComparison.Ordinal));
        await runner.DisposeAsync();
    }
}
