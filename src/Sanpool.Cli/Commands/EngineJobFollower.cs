using System.CommandLine;
using System.Diagnostics;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Model;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// Follows an engine job to its end (<c>--wait</c>, <c>jobs wait</c>): <c>GET /api/jobs/{id}</c>
/// soon, then every second, a progress bar on stderr for the step that runs (its description and
/// percent). A job that ends FINISHED returns its record; FAILED or ABORTED throws
/// ENGINE_JOB_FAILED with what the job's last event says, since the job's record says only that
/// it failed (<c>GET /api/events?job=ID</c>).
/// </summary>
internal static class EngineJobFollower
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    /// <summary>How long the engine may stay unreachable while a job is followed, before the CLI gives up on it (not on the job).</summary>
    private static readonly TimeSpan UnreachableFor = TimeSpan.FromSeconds(30);

    public static async Task<JobDto> FollowAsync(EngineClient client, Guid jobId, ParseResult p, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var error = EngineVerbs.Error(p);
        bool tty = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        Progress? bar = null;
        Guid? barStep = null;
        var job = await ReadAsync(client, jobId, error, ct).ConfigureAwait(false);
        try
        {
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                // The step that runs, else the last one: its bar, a new one when the job moves on.
                var step = job.Steps.Where(s => s.Status == JobExecutionStatus.STARTED).OrderBy(s => s.Number).FirstOrDefault()
                    ?? job.Steps.OrderBy(s => s.Number).LastOrDefault();
                if (step is not null && step.Id != barStep)
                {
                    bar?.Done();
                    bar = new Progress($"{job.Description}: step {step.Number}/{job.Steps.Count} {step.Description}", error, tty);
                    barStep = step.Id;
                }

                if (job.Status != JobExecutionStatus.STARTED)
                {
                    break;
                }

                bar?.Report(step?.Progress ?? 0);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, PollEvery.Ticks));
                job = await ReadAsync(client, jobId, error, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            bar?.Stop();
            await error.WriteLineAsync($"sanpool: stopped following job {jobId}; it goes on: 'sanpool engine jobs wait {jobId}' follows it again").ConfigureAwait(false);
            throw;
        }

        if (job.Status == JobExecutionStatus.FINISHED)
        {
            bar?.Done();
            return job;
        }

        bar?.Stop();
        throw new SanpoolException(EngineClientErrors.JobFailed, $"job {jobId} ({job.Description}) ended {job.Status}: {await WhyAsync(client, jobId, ct).ConfigureAwait(false)}");
    }

    /// <summary>The job's last warning or error event, else its last event: what the engine said about how it ended.</summary>
    private static async Task<string> WhyAsync(EngineClient client, Guid jobId, CancellationToken ct)
    {
        var events = (await client.ListAsync("api/events", 1000, null, $"job={jobId}", ct).ConfigureAwait(false)).Select(e => client.As<EventDto>(e!)).ToList();
        var why = events.LastOrDefault(e => e.Severity != AuditLogSeverity.NORMAL) ?? events.LastOrDefault();
        return why is null ? "the engine wrote no event about it" : $"{why.Description} [{why.CodeName}]";
    }

    /// <summary>One GET of the job; a transient failure (the engine restarting) is retried for a while.</summary>
    private static async Task<JobDto> ReadAsync(EngineClient client, Guid jobId, TextWriter error, CancellationToken ct)
    {
        Stopwatch? failing = null;
        while (true)
        {
            try
            {
                return await client.Jobs.GetAsync(jobId, ct).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (e.IsTransient && (failing is null || failing.Elapsed < UnreachableFor))
            {
                if (failing is null)
                {
                    failing = Stopwatch.StartNew();
                    await error.WriteLineAsync($"sanpool: job {jobId}: {e.OneLine}; trying again for {UnreachableFor.TotalSeconds:0} s").ConfigureAwait(false);
                }

                await Task.Delay(PollEvery, ct).ConfigureAwait(false);
            }
        }
    }
}
