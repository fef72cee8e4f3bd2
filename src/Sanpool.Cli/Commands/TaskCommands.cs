using Sanpool.Api.Tasks;
using Sanpool.Api;
using System.CommandLine;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool task list|status|clear --agent SOCKET|URL</c>: the pool's SPM tasks, as persisted in its master domain.</summary>
public static class TaskCommands
{
    public static Command Create()
    {
        var task = new Command("task",
            "The pool's SPM tasks: every structural verb (image create, snapshot create, ...) sent with --agent runs as a task persisted in the master domain, " +
            "so any host's agent can show it and a new SPM rolls back or finishes what a lost one left.");
        task.Subcommands.Add(List());
        task.Subcommands.Add(Status());
        task.Subcommands.Add(Clear());
        return task;
    }

    private static Command List()
    {
        var (agent, json) = Options();
        var cmd = new Command("list", "List the pool's tasks, oldest first: id, verb, state, progress, result or error.") { json };
        agent.AddTo(cmd, structural: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            agent.Given(p);
            using var client = agent.Client(p);
            var answer = ApiJson.Node(await AgentCall.CallAsync(client, AgentVerbs.TaskList, new TaskListRequest(), ct));
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer) : AgentText.Tasks(AgentText.TaskList(answer)));
            return 0;
        });
        return cmd;
    }

    private static Command Status()
    {
        var (agent, json) = Options();
        var id = new Argument<string>("TASK") { Description = "The task's UUID (as image create --agent printed it)." };
        var wait = new Option<bool>("--wait")
        {
            Description = "Follow the task until it ends, progress on stderr; then print its result (exit 1 if it failed or was rolled back).",
        };
        var cmd = new Command("status", "Show one task: verb, state, progress, arguments, result or error.") { id, json, wait };
        agent.AddTo(cmd, structural: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            agent.Given(p);
            var task = StorageOptions.Uuid(p.GetValue(id), "task");
            using var client = agent.Client(p);
            if (p.GetValue(wait))
            {
                return await AgentTasks.FollowAsync(client, task, null, p.GetValue(json), ct);
            }

            var answer = ApiJson.Node(await AgentCall.CallAsync(client, AgentVerbs.TaskStatus, new TaskStatusRequest(task), ct));
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer) : AgentText.Task(answer));
            return 0;
        });
        return cmd;
    }

    private static Command Clear()
    {
        var (agent, json) = Options();
        var id = new Argument<string>("TASK") { Description = "The task's UUID." };
        var cmd = new Command("clear", "Forget a task that has ended (only the SPM's agent clears). Prints its UUID.") { id, json };
        agent.AddTo(cmd, structural: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            agent.Given(p);
            var task = StorageOptions.Uuid(p.GetValue(id), "task");
            using var client = agent.Client(p);
            var answer = ApiJson.Node(await AgentCall.CallAsync(client, AgentVerbs.TaskClear, new TaskClearRequest(task), ct));
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer) : task);
            return 0;
        });
        return cmd;
    }

    private static (AgentOptions Agent, Option<bool> Json) Options() =>
        (new AgentOptions(required: true), new Option<bool>("--json") { Description = "Print the agent's JSON answer." });
}
