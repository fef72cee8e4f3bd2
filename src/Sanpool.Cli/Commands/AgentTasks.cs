using Sanpool.Api.Client;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// A structural verb through an agent: submitted as a task on the SPM, then either its id
/// printed at once or the task followed (<c>task.status</c> every half second, progress on
/// stderr) to its end: Finished prints the result, Failed and Recovered exit 1 with the error.
/// </summary>
internal static class AgentTasks
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the agent may stay unreachable while a task is followed, before the CLI gives up on it (not on the task).</summary>
    private static readonly TimeSpan UnreachableFor = TimeSpan.FromSeconds(30);

    /// <summary>Sends <paramref name="verb"/> and prints what the options ask for; returns the exit code.</summary>
    public static async Task<int> SubmitAsync(ParseResult p, AgentOptions options, bool json, string verb, Dictionary<string, string> args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);
        if (p.GetValue(options.Forward))
        {
            args["forward"] = "true";
        }

        using var client = options.Client(p);
        var answer = await AgentCall.InvokeAsync(client, verb, args, ct).ConfigureAwait(false);
        var task = answer["task"] ?? throw Unexpected(client, verb, "no task in the answer");
        string id = TaskId(task) ?? throw Unexpected(client, verb, "the task has no id");
        if (!p.GetValue(options.Wait))
        {
            Console.WriteLine(json ? task.ToJsonString(CliJson.Options) : id);
            return 0;
        }

        return await FollowAsync(client, id, task as JsonObject, json, ct).ConfigureAwait(false);
    }

    /// <summary>Polls the task until it ends; prints its result (or the record with <paramref name="json"/>); 1 if it did not finish.</summary>
    public static async Task<int> FollowAsync(AgentClient client, string id, JsonObject? known, bool json, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var record = known ?? await StatusAsync(client, id, ct).ConfigureAwait(false);
        var progress = new Progress($"{Text(record, "verb") ?? "task"} {id}");
        try
        {
            string? waiting = null;
            while (!IsDone(record))
            {
                if (Text(record, "waiting") is { } now && now != waiting)
                {
                    // Queued behind another task on its image: say for what, once per change.
                    progress.Stop();
                    await Console.Error.WriteLineAsync($"task {id} is queued: waiting for {now}").ConfigureAwait(false);
                }

                waiting = Text(record, "waiting");
                progress.Report(Percent(record));
                await Task.Delay(PollEvery, ct).ConfigureAwait(false);
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

        string state = Text(record, "state") ?? "";
        if (state == "finished")
        {
            progress.Done();
        }
        else
        {
            progress.Stop();
        }

        if (json)
        {
            Console.WriteLine(record.ToJsonString(CliJson.Options));
        }
        else if (state == "finished")
        {
            Console.WriteLine(Text(record, "result") ?? id);
        }

        if (state == "finished")
        {
            return 0;
        }

        string how = state == "recovered" ? "was rolled back by the next SPM" : state;
        await Console.Error.WriteLineAsync($"sanpool: task {id} ({Text(record, "verb")}) {how}: {Text(record, "error") ?? "no error given"}").ConfigureAwait(false);
        return CliAction.Failure;
    }

    public static bool IsDone(JsonNode record) => Text(record, "state") is "finished" or "failed" or "recovered";

    public static double Percent(JsonNode record) =>
        record is JsonObject o && o["progress"] is JsonValue v && v.TryGetValue(out double p) ? p : 0;

    /// <summary>A member of an object as text: a string as it is, a number or boolean as JSON; null if absent or not a value.</summary>
    public static string? Text(JsonNode? node, string name) =>
        node is not JsonObject o || o[name] is not JsonValue v ? null
        : v.TryGetValue(out string? s) ? s : v.ToJsonString();

    /// <summary>A task's id: the record's "id", or the node itself when an agent answers with the id alone.</summary>
    public static string? TaskId(JsonNode task) =>
        task is JsonValue v && v.TryGetValue(out string? s) ? s : Text(task, "id");

    /// <summary>One task.status; a transient failure (the agent restarting) is retried for a while.</summary>
    private static async Task<JsonObject> StatusAsync(AgentClient client, string id, CancellationToken ct)
    {
        var args = new Dictionary<string, string> { ["task"] = id };
        Stopwatch? failing = null;
        while (true)
        {
            try
            {
                return await AgentCall.InvokeAsync(client, "task.status", args, ct).ConfigureAwait(false) as JsonObject
                    ?? throw Unexpected(client, "task.status", "the task is not a JSON object");
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

    private static SanpoolException Unexpected(AgentClient client, string verb, string what) =>
        new(AgentErrors.Protocol, $"the agent at {client.Target} gave an answer to {verb} that the CLI does not understand: {what}");
}
