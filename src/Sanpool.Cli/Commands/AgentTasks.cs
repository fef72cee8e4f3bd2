using Sanpool.Api.Client;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// A structural verb through an agent: submitted as a task on the SPM, then either its id
/// printed at once or the task followed (<c>task.status</c> soon, then every half second, progress on
/// stderr) to its end: Finished prints the result, Failed and Recovered exit 1 with the error.
/// </summary>
internal static class AgentTasks
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the agent may stay unreachable while a task is followed, before the CLI gives up on it (not on the task).</summary>
    private static readonly TimeSpan UnreachableFor = TimeSpan.FromSeconds(30);

    /// <summary>Sends a structural request and prints what the options ask for; returns the exit code.</summary>
    /// <remarks>Disposes <paramref name="route"/>.</remarks>
    public static async Task<int> SubmitAsync<TRequest>(AgentRoute route, bool json, AgentVerb<TRequest, TaskSubmitted> verb, TRequest request, CancellationToken ct)
        where TRequest : notnull, IStructuralRequest
    {
        ArgumentNullException.ThrowIfNull(route);
        using var owned = route;
        var client = route.Client;
        var task = (await AgentCall.CallAsync(client, verb, request, ct).ConfigureAwait(false)).Task;
        if (!route.Wait)
        {
            Console.WriteLine(json ? AgentText.Json(ApiJson.Node(task)) : task.Id.ToString());
            return 0;
        }

        return await FollowAsync(client, task.Id, task, json, ct).ConfigureAwait(false);
    }

    /// <summary>Polls the task until it ends; prints its result (or the record with <paramref name="json"/>); 1 if it did not finish.</summary>
    public static async Task<int> FollowAsync(AgentClient client, Guid id, TaskInfo? known, bool json, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var record = known ?? await StatusAsync(client, id, ct).ConfigureAwait(false);
        var progress = new Progress($"{record.Verb} {id}");
        try
        {
            string? waiting = null;

            // Soon at first (most tasks end in well under a second), then every half second.
            var delay = TimeSpan.FromMilliseconds(50);
            while (!record.IsDone)
            {
                if (record.Waiting is { } now && now != waiting)
                {
                    // Queued behind another task on its image: say for what, once per change.
                    progress.Stop();
                    await Console.Error.WriteLineAsync($"task {id} is queued: waiting for {now}").ConfigureAwait(false);
                }

                waiting = record.Waiting;
                progress.Report(record.Progress);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, PollEvery.Ticks));
                record = await StatusAsync(client, id, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Stop();
            await Console.Error.WriteLineAsync(
                $"sanpool: stopped following task {id}; it goes on: 'sanpool task status {id} --agent {client.Target} --wait' follows it again").ConfigureAwait(false);
            throw;
        }

        bool finished = record.State == TaskState.Finished;
        if (finished)
        {
            progress.Done();
        }
        else
        {
            progress.Stop();
        }

        if (json)
        {
            Console.WriteLine(AgentText.Json(ApiJson.Node(record)));
        }
        else if (finished)
        {
            Console.WriteLine(record.Result ?? id.ToString());
        }

        if (finished)
        {
            return 0;
        }

        string how = record.State == TaskState.Recovered ? "was rolled back by the next SPM" : "failed";
        string code = record.ErrorName is { } name ? $" [{name}{(record.Transient == true ? ", transient: trying again may succeed" : "")}]" : "";
        await Console.Error.WriteLineAsync($"sanpool: task {id} ({record.Verb}) {how}: {record.Error ?? "no error given"}{code}").ConfigureAwait(false);
        return CliAction.Failure;
    }

    public static double Percent(JsonNode record) =>
        record is JsonObject o && o["progress"] is JsonValue v && v.TryGetValue(out double p) ? p : 0;

    /// <summary>A member of an object as text: a string as it is, a number or boolean as JSON; null if absent or not a value.</summary>
    public static string? Text(JsonNode? node, string name) =>
        node is not JsonObject o || o[name] is not JsonValue v ? null
        : v.TryGetValue(out string? s) ? s : v.ToJsonString();

    /// <summary>One task.status; a transient failure (the agent restarting) is retried for a while.</summary>
    private static async Task<TaskInfo> StatusAsync(AgentClient client, Guid id, CancellationToken ct)
    {
        Stopwatch? failing = null;
        while (true)
        {
            try
            {
                return await AgentCall.CallAsync(client, AgentVerbs.TaskStatus, new TaskStatusRequest(id), ct).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (e.IsTransient && (failing is null || failing.Elapsed < UnreachableFor))
            {
                if (failing is null)
                {
                    failing = Stopwatch.StartNew();
                    await Console.Error.WriteLineAsync($"sanpool: task {id}: {e.OneLine}; trying again for {UnreachableFor.TotalSeconds:0} s").ConfigureAwait(false);
                }

                await Task.Delay(PollEvery, ct).ConfigureAwait(false);
            }
        }
    }

}
