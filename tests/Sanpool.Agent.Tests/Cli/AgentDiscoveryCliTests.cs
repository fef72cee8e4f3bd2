using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Cli;

/// <summary>
/// The one-shot CLI without <c>--agent</c>, with a real agent process serving a pool of two file
/// domains (io_timeout 1) on this host, registered in its run directory
/// (<c>$SANPOOL_RUN_DIR/agents</c>): a structural verb on the pool's domain goes through the
/// agent and says so; one on a domain outside the pool, or given <c>--direct</c>, opens the
/// storage and says it joins the lockspace; <c>$SANPOOL_AGENT</c> naming a dead socket fails at
/// once saying so; once the agent has stopped, its registration is gone and the verb opens the
/// storage by itself.
/// </summary>
public sealed class AgentDiscoveryCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_structural_verb_goes_through_this_hosts_agent_serving_the_domains_pool_and_says_so()
    {
        using var dir = new TempDir("agent-discovery");
        string mount = dir.File("mnt");
        string run = dir.File("run");
        Directory.CreateDirectory(mount);
        var env = new Dictionary<string, string> { ["SANPOOL_RUN_DIR"] = run };
        string master = (await OkAsync(env, "domain", "create", "--file", mount, "--io-timeout", "1", "--name", "master")).Trim();
        string data = (await OkAsync(env, "domain", "create", "--file", mount, "--io-timeout", "1", "--name", "data")).Trim();
        string outside = (await OkAsync(env, "domain", "create", "--file", mount, "--io-timeout", "1", "--name", "outside")).Trim();
        string pool = (await OkAsync(env, "pool", "create", "--master", master, "--domain", data, "--path", mount)).Trim();
        string socket = Path.Combine(run, "host1", "agent.sock");
        string config = dir.File("host1.json");
        await File.WriteAllTextAsync(config, $$"""
            {"host_id": 1, "host_name": "host1", "pool": "{{pool}}", "master": "{{master}}",
             "paths": ["{{mount}}"], "run_dir": "{{Path.Combine(run, "host1")}}", "socket": "{{socket}}"}
            """);
        var agent = ToolRunner.StartBackground(SanpoolCli.Path, ["agent", "run", "--config", config], env);
        try
        {
            await WaitForSpmAsync(socket);
            Assert.Single(Directory.GetFiles(Path.Combine(run, "agents"), "*.json"));

            // Through the agent: told on stderr, run as the SPM's task, the same labelled line as on the storage path.
            var viaAgent = await RunAsync(env, "image", "create", data, "--size", "1M");
            Assert.True(viaAgent.Succeeded, viaAgent.StandardError);
            Assert.Contains($"sanpool: via agent {socket} (host 1, pool {pool})", viaAgent.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("joining the lockspace", viaAgent.StandardError, StringComparison.Ordinal);
            Assert.Matches("^image [0-9a-f-]{36} volume [0-9a-f-]{36}\n$", viaAgent.StandardOutput);
            Assert.Single(JsonNode.Parse(await OkAsync(env, "task", "list", "--agent", socket, "--json"))!.AsArray());

            // A domain outside the agent's pool: not used; verbose says why; the storage path is taken.
            var outsideRun = await RunAsync(new Dictionary<string, string>(env) { ["SANPOOL_VERBOSE"] = "1" }, "image", "create", outside, "--size", "1M", "--path", mount);
            Assert.True(outsideRun.Succeeded, outsideRun.StandardError);
            Assert.Contains($"not via agent {socket}", outsideRun.StandardError, StringComparison.Ordinal);
            Assert.Contains("DOMAIN_NOT_IN_POOL", outsideRun.StandardError, StringComparison.Ordinal);
            Assert.Contains($"joining the lockspace of domain {outside} as host id 1 (io_timeout 1 s", outsideRun.StandardError, StringComparison.Ordinal);

            // --direct opens the storage even so, and says it joins; the SPM (the agent) holds the SDM lease.
            var direct = await RunAsync(env, "image", "create", data, "--size", "1M", "--path", mount, "--direct", "--host-id", "2");
            Assert.Equal(1, direct.ExitCode);
            Assert.DoesNotContain("via agent", direct.StandardError, StringComparison.Ordinal);
            Assert.Contains($"joining the lockspace of domain {data} as host id 2 (io_timeout 1 s", direct.StandardError, StringComparison.Ordinal);
            Assert.Contains("DOMAIN_BUSY", direct.StandardError, StringComparison.Ordinal);
            Assert.Equal(2, (await RunAsync(env, "image", "create", data, "--size", "1M", "--direct", "--agent", socket)).ExitCode);

            // $SANPOOL_AGENT naming a dead socket: a clear error at once, no fallback, no hang.
            var clock = Stopwatch.StartNew();
            var dead = await RunAsync(new Dictionary<string, string>(env) { ["SANPOOL_AGENT"] = dir.File("gone.sock") }, "image", "create", data, "--size", "1M");
            Assert.Equal(1, dead.ExitCode);
            Assert.StartsWith($"sanpool: AGENT_UNREACHABLE (-720): $SANPOOL_AGENT={dir.File("gone.sock")}: no agent socket", dead.StandardError, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");

            // Stopped, the agent takes its registration away; the verb then opens the storage by itself.
            await ToolRunner.StopAsync(agent, TimeSpan.FromSeconds(30));
            Assert.Empty(Directory.GetFiles(Path.Combine(run, "agents"), "*.json"));
            var afterStop = await RunAsync(env, "image", "create", data, "--size", "1M", "--path", mount);
            Assert.True(afterStop.Succeeded, afterStop.StandardError);
            Assert.DoesNotContain("via agent", afterStop.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            await ToolRunner.StopAsync(agent, TimeSpan.FromSeconds(30));
            agent.Dispose();
        }
    }

    private async Task<ToolResult> RunAsync(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var run = await SanpoolCli.RunAsync(args, env);
        output.WriteLine($"$ sanpool {string.Join(' ', args)}  -> {run.ExitCode} in {clock.Elapsed.TotalSeconds:0.00} s\n{run.StandardOutput}{run.StandardError}");
        return run;
    }

    private async Task<string> OkAsync(IReadOnlyDictionary<string, string> env, params string[] args) => (await RunAsync(env, args)).EnsureSuccess().StandardOutput;

    private static async Task WaitForSpmAsync(string socket)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            var run = await SanpoolCli.RunAsync(["spm", "status", "--agent", socket, "--json"]);
            if (run.ExitCode == 0 && (string?)JsonNode.Parse(run.StandardOutput)!["state"] == "SPM")
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("the agent did not become SPM within 90 s");
    }
}
