using Sanpool.Api.Client;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Agents;

/// <summary>
/// Two hosts' agents as real processes (<c>sanpool agent run</c>) on a pool of two file
/// domains (io_timeout 1), talked to through their unix sockets: one elects itself SPM, the
/// other refuses structural verbs naming it, a verb on the SPM runs as a task any host can
/// read, and SIGTERM gives the role back. Failover after kill -9 and SIGSTOP is the next step.
/// </summary>
public sealed class AgentProcessTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task One_agent_elects_itself_SPM_the_other_refuses_structural_verbs_naming_it_and_tasks_are_read_by_both()
    {
        using var dir = new TempDir("agents");
        string mount = dir.File("mnt");
        Directory.CreateDirectory(mount);
        string master = await CliAsync("domain", "create", "--file", mount, "--io-timeout", "1", "--name", "master");
        string second = await CliAsync("domain", "create", "--file", mount, "--io-timeout", "1", "--name", "second");
        string pool = await CliAsync("pool", "create", "--master", master, "--domain", second, "--path", mount);

        var agents = new List<Process>();
        try
        {
            for (int host = 1; host <= 2; host++)
            {
                string config = dir.File($"host{host}.json");
                await File.WriteAllTextAsync(config, $$"""
                    {"host_id": {{host}}, "host_name": "host{{host}}", "pool": "{{pool}}", "master": "{{master}}",
                     "paths": ["{{mount}}"], "run_dir": "{{dir.File($"run{host}")}}", "socket": "{{Socket(dir, host)}}", "spm_priority": {{host * 4}}}
                    """);
                agents.Add(SanpoolCli.Start(["agent", "run", "--config", config], _ => { }));
            }

            using var host1 = AgentClient.Create(Socket(dir, 1), null);
            using var host2 = AgentClient.Create(Socket(dir, 2), null);
            int spm = await WaitForSpmAsync([host1, host2]);
            var (onSpm, offSpm) = spm == 1 ? (host1, host2) : (host2, host1);
            Assert.Equal(spm, (int)(await offSpm.InvokeAsync("spm.status", new Dictionary<string, string>(), None))["spm_id"]!);
            // The host that lost may still be in its own acquire (Contend) for a moment before it gives up.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string state;
            while ((state = (string)(await offSpm.InvokeAsync("spm.status", new Dictionary<string, string>(), None))["state"]!) == "Contend"
                   && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }

            Assert.Equal("Free", state);

            var create = new Dictionary<string, string> { ["domain"] = second, ["size"] = "1048576", ["format"] = "raw" };
            var refused = await Assert.ThrowsAsync<SanpoolException>(() => offSpm.InvokeAsync("image.create", create, None));
            Assert.Equal("NOT_SPM", refused.Code.Name);
            Assert.Contains($"the SPM is host {spm}", refused.Message, StringComparison.Ordinal);
            Assert.Empty((JsonArray)(await offSpm.InvokeAsync("task.list", new Dictionary<string, string>(), None)));

            string task = (string)(await onSpm.InvokeAsync("image.create", create, None))["task"]!["id"]!;
            var done = await WaitForTaskAsync(offSpm, task);
            Assert.Equal("finished", (string)done["state"]!);
            Assert.StartsWith("image ", (string)done["result"]!, StringComparison.Ordinal);

            var info = await offSpm.InvokeAsync("domain.info", new Dictionary<string, string> { ["domain"] = second }, None);
            Assert.Equal(second, (string)info["uuid"]!);
            var unknown = await Assert.ThrowsAsync<SanpoolException>(() => offSpm.InvokeAsync("image.teleport", new Dictionary<string, string>(), None));
            Assert.Equal("UNKNOWN_VERB", unknown.Code.Name);
        }
        finally
        {
            foreach (var agent in agents.Where(a => !a.HasExited))
            {
                // Only a live one: the pid of an agent that already exited may belong to another
                // test's agent by now (pid_max is 32768 here and the suite wraps it).
                Signals.Kill(agent.Id, Signals.SIGTERM);
            }

            foreach (var agent in agents)
            {
                if (!agent.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    agent.Kill();
                }

                agent.Dispose();
            }
        }

        // A clean stop gives the role back: no SPM named in the master's metadata.
        var keys = JsonNode.Parse(await CliAsync("pool", "info", master, "--path", mount))!;
        Assert.Equal(-1, (int)keys["spm_id"]!);
    }

    private static string Socket(TempDir dir, int host) => dir.File($"run{host}/agent.sock");

    private static async Task<string> CliAsync(params string[] args) => (await SanpoolCli.OutputAsync(args)).Trim();

    /// <summary>Waits until exactly one agent says it is SPM; returns its host id.</summary>
    private static async Task<int> WaitForSpmAsync(IReadOnlyList<AgentClient> agents)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var states = new List<string>();
            foreach (var agent in agents)
            {
                try
                {
                    states.Add((string)(await agent.InvokeAsync("spm.status", new Dictionary<string, string>(), None))["state"]!);
                }
                catch (SanpoolException e) when (e.IsTransient)
                {
                    states.Add("starting");
                }
            }

            Assert.True(states.Count(s => s == "SPM") <= 1, $"two SPMs: {string.Join(", ", states)}");
            if (states.IndexOf("SPM") is int spm and >= 0)
            {
                return spm + 1;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("no agent became SPM within 60 s");
    }

    private static async Task<JsonNode> WaitForTaskAsync(AgentClient agent, string task)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var record = await agent.InvokeAsync("task.status", new Dictionary<string, string> { ["task"] = task }, None);
            if ((bool?)record["state"]?.GetValue<string>().Equals("running", StringComparison.Ordinal) != true || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                return record;
            }

            await Task.Delay(200);
        }
    }
}
