using Sanpool.Api.Client;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Core;

namespace Sanpool.Bench;

/// <summary>Structural verbs through the agent's API: submitted (retried while refused) and waited for by polling task.status (there is no long poll).</summary>
internal static class AgentTasks
{
    /// <summary>
    /// Submits a structural verb, submitting it again every <paramref name="interval"/> while
    /// the agent refuses it (a host that has just said SPM may still be loading its tasks), for
    /// at most <paramref name="patience"/>. Returns the task as the reply names it and the
    /// refusals' codes in order.
    /// </summary>
    public static async Task<(JsonNode Task, IReadOnlyList<string> Refusals)> SubmitAsync(AgentClient client, string verb, IReadOnlyDictionary<string, string> args,
        TimeSpan interval, TimeSpan patience, CancellationToken stop)
    {
        var refusals = new List<string>();
        var until = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                return ((await client.InvokeAsync(verb, args, stop))["task"]!, refusals);
            }
            catch (SanpoolException e) when (DateTime.UtcNow < until)
            {
                refusals.Add(e.Code.Name);
                await Task.Delay(interval, stop);
            }
        }
    }

    /// <summary>Polls <paramref name="task"/> (as a structural verb's reply names it) until it is done; throws unless it finished.</summary>
    public static async Task WaitAsync(AgentClient client, JsonNode task, TimeSpan interval, CancellationToken stop)
    {
        string id = (string)task["id"]!;
        var args = new Dictionary<string, string> { ["task"] = id };
        var record = task;
        while ((string)record["state"]! is "queued" or "running" or "recovering")
        {
            await Task.Delay(interval, stop);
            record = await client.InvokeAsync("task.status", args, stop);
        }

        if ((string)record["state"]! != "finished")
        {
            throw new InvalidOperationException($"task {id} ({(string?)record["verb"]}) ended {(string?)record["state"]}: {(string?)record["error"]}");
        }
    }

    /// <summary>"CODE x3, OTHER x1" in order of first appearance, or "-".</summary>
    public static string Summary(IReadOnlyList<string> refusals) =>
        refusals.Count == 0 ? "-" : string.Join(", ", refusals.GroupBy(r => r).Select(g => $"{g.Key} x{g.Count()}"));
}
