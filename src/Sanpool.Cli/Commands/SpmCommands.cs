using Sanpool.Api.Client;
using Sanpool.Api.Spm;
using Sanpool.Api;
using System.CommandLine;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool spm status|start|stop --agent SOCKET|URL</c>: one host's Storage Pool Manager role.</summary>
public static class SpmCommands
{
    public static Command Create()
    {
        var spm = new Command("spm",
            "The Storage Pool Manager role of the host whose agent --agent names: one host per pool holds it and is the only one that changes " +
            "the pool's structure. Prints the role (\"SPM (this host)\", \"Free; the SPM is host 2\") and the SPM lease version; --json for the agent's JSON.");
        spm.Subcommands.Add(Verb("status", (c, ct) => AgentCall.CallAsync(c, AgentVerbs.SpmStatus, new SpmStatusRequest(), ct), "Show whether this host is SPM, and which host is if not."));
        spm.Subcommands.Add(Verb("start", (c, ct) => AgentCall.CallAsync(c, AgentVerbs.SpmStart, new SpmStartRequest(), ct),
            "Contend for the role now (and let the agent's election contend again after a stop); fails if another live host holds it."));
        spm.Subcommands.Add(Verb("stop", (c, ct) => AgentCall.CallAsync(c, AgentVerbs.SpmStop, new SpmStopRequest(), ct),
            "Give the role up and release the SPM lease; refused (TASK_RUNNING) while tasks run. The agent's election then stays paused until 'spm start'."));
        return spm;
    }

    private static Command Verb(string name, Func<AgentClient, CancellationToken, Task<SpmStatusReply>> call, string description)
    {
        var agent = new AgentOptions(required: true);
        var json = new Option<bool>("--json") { Description = "Print the agent's JSON answer." };
        var cmd = new Command(name, description) { json };
        agent.AddTo(cmd, structural: false);
        CliAction.Set(cmd, async (p, ct) =>
        {
            agent.Given(p);
            using var client = agent.Client(p);
            var answer = ApiJson.Node(await call(client, ct));
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer) : AgentText.SpmStatus(answer));
            return 0;
        });
        return cmd;
    }
}
