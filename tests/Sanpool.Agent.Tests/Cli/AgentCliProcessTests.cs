using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Core;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Cli;

/// <summary>
/// <c>./sanpool ... --agent</c> end to end: two hosts' agents as real processes on a pool of two
/// file domains (io_timeout 1), every step through the CLI. An image created through the SPM's
/// agent with --wait is on the storage; spm status and task list on either host show the role
/// and the task; the same verb sent to the other host exits 1 with NOT_SPM naming the SPM.
/// </summary>
public sealed class AgentCliProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_image_created_through_the_SPMs_agent_is_on_storage_and_the_other_host_refuses_naming_the_SPM()
    {
        using var dir = new TempDir("agents-cli");
        string mount = dir.File("mnt");
        Directory.CreateDirectory(mount);
        string master = (await OkAsync("domain", "create", "--file", mount, "--io-timeout", "1", "--name", "master")).Trim();
        string second = (await OkAsync("domain", "create", "--file", mount, "--io-timeout", "1", "--name", "second")).Trim();
        string pool = (await OkAsync("pool", "create", "--master", master, "--domain", second, "--path", mount)).Trim();

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

            int spm = await WaitForSpmAsync(dir);
            int other = 3 - spm;
            string onSpm = Socket(dir, spm);
            string offSpm = Socket(dir, other);

            string image = Guid.NewGuid().ToString();
            string created = await OkAsync("image", "create", second, "--size", "1M", "--format", "raw", "--image", image, "--agent", onSpm, "--wait");
            Assert.StartsWith($"image {image} volume ", created, StringComparison.Ordinal);
            Assert.Contains(image, (await OkAsync("image", "list", second, "--path", mount)).Split('\n').Select(l => l.Trim()));

            Assert.Matches(@"(?m)^spm:\s+SPM \(this host\)$", await OkAsync("spm", "status", "--agent", onSpm));
            Assert.Matches($@"(?m)^spm:\s+Free; the SPM is host {spm}$", await OkAsync("spm", "status", "--agent", offSpm));
            Assert.Matches($@"(?m)^host:\s+{other} \(host{other}\)$", await OkAsync("agent", "status", "--agent", offSpm));
            foreach (var socket in new[] { onSpm, offSpm })
            {
                var tasks = JsonNode.Parse(await OkAsync("task", "list", "--agent", socket, "--json"))!.AsArray();
                var task = Assert.Single(tasks)!;
                Assert.Equal("image.create", (string)task["verb"]!);
                Assert.Equal("finished", (string)task["state"]!);
                Assert.Matches(@"(?m)^[0-9a-f-]{36}\s+image\.create\s+finished\s+100%\s+image ", await OkAsync("task", "list", "--agent", socket));
            }

            var refused = await RunAsync("image", "create", second, "--size", "1M", "--agent", offSpm, "--wait");
            Assert.Equal(1, refused.ExitCode);
            Assert.StartsWith("sanpool: NOT_SPM (-702): ", refused.StandardError, StringComparison.Ordinal);
            Assert.Contains($"the SPM is host {spm}", refused.StandardError, StringComparison.Ordinal);
            Assert.Single(JsonNode.Parse(await OkAsync("task", "list", "--agent", onSpm, "--json"))!.AsArray());
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
    }

    private static string Socket(TempDir dir, int host) => dir.File($"run{host}/agent.sock");

    private async Task<ToolResult> RunAsync(params string[] args)
    {
        var run = await SanpoolCli.RunAsync(args);
        output.WriteLine($"$ sanpool {string.Join(' ', args)}  -> {run.ExitCode}\n{run.StandardOutput}{run.StandardError}");
        return run;
    }

    private async Task<string> OkAsync(params string[] args) => (await RunAsync(args)).EnsureSuccess().StandardOutput;

    /// <summary>Waits, through <c>sanpool spm status --json</c>, until exactly one host says it is SPM; returns its host id.</summary>
    private async Task<int> WaitForSpmAsync(TempDir dir)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            var states = new List<string>();
            for (int host = 1; host <= 2; host++)
            {
                var run = await SanpoolCli.RunAsync(["spm", "status", "--agent", Socket(dir, host), "--json"]);
                states.Add(run.ExitCode == 0 ? (string)JsonNode.Parse(run.StandardOutput)!["state"]! : "starting");
            }

            Assert.True(states.Count(s => s == "SPM") <= 1, $"two SPMs: {string.Join(", ", states)}");
            if (states.IndexOf("SPM") is int spm and >= 0)
            {
                output.WriteLine($"host {spm + 1} is SPM after {deadline.Elapsed.TotalSeconds:0.0} s");
                return spm + 1;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("no agent became SPM within 90 s");
    }
}
