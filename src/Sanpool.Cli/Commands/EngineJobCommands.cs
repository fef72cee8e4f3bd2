using System.CommandLine;
using Sanpool.Cli.EngineApi;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool engine jobs list|show|wait</c>: the record of every user action, with its steps.</summary>
internal static class EngineJobCommands
{
    public static readonly EngineView<JobDto> View = new(c => c.Jobs, EngineText.Jobs);

    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var jobs = new Command("jobs", "The engine's jobs: one per user action (add disk, remove disk, reconcile), with steps, the SPM task each waits for, and progress.");
        jobs.Subcommands.Add(EngineVerbs.List(View, "List the jobs, newest first: action, status, start and end, description, id.", configure));
        jobs.Subcommands.Add(Show(configure));
        jobs.Subcommands.Add(Wait(configure));
        return jobs;
    }

    private static Command Show(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var json = EngineVerbs.Json();
        var id = EngineVerbs.Id("job");
        var cmd = new Command("show", "Show one job: status, times, correlation id, the entities it locks, and its steps with their progress and SPM task.") { id, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var node = await client.Jobs.GetJsonAsync(EngineVerbs.Uuid(p, id, "job"), ct).ConfigureAwait(false);
            var output = EngineVerbs.Out(p);
            if (p.GetValue(json))
            {
                await output.WriteLineAsync(EngineVerbs.Print(node)).ConfigureAwait(false);
                return 0;
            }

            await output.WriteLineAsync(EngineText.Details(node)).ConfigureAwait(false);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync(EngineText.Steps(client.As<JobDto>(node).Steps)).ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Wait(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var json = new Option<bool>("--json") { Description = "Print the job's JSON once it has ended." };
        var id = EngineVerbs.Id("job");
        var cmd = new Command(
            "wait",
            "Follow a job until it ends, a progress bar for its running step on stderr; then print its status (exit 1 if it FAILED or was ABORTED, with what its last event says).")
        { id, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var jobId = EngineVerbs.Uuid(p, id, "job");
            var job = await EngineJobFollower.FollowAsync(client, jobId, p, ct).ConfigureAwait(false);
            await EngineVerbs.Out(p).WriteLineAsync(p.GetValue(json)
                ? EngineVerbs.Print(await client.Jobs.GetJsonAsync(jobId, ct).ConfigureAwait(false))
                : $"job {job.Id} {job.Status}: {job.Description}").ConfigureAwait(false);
            return 0;
        });
    }
}
