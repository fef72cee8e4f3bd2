using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Core;
using Sanpool.TestSupport;
using Sanpool.Agent.Tests.Failover;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// pool.attach and pool.detach through the SPM's agent while the pool runs: the SPM serves the
/// attached domain at once, the other hosts' monitors pick it up from the pool keys (and join
/// its lockspace), and a detach takes it off every host's watch.
/// </summary>
public sealed class AttachAgentTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_SPM_attaches_a_domain_every_host_then_watches_and_detaches_it_again()
    {
        await using var test = await TestPool.CreateAsync(output, priority: h => h == 1 ? 10 : 3);
        var pool = test.Pool;
        var (loose, device) = await test.AddLooseDomainAsync();
        foreach (int host in pool.HostIds)
        {
            pool.Configure(host, [.. pool.Devices, device]);
        }

        pool.Start(1);
        Assert.Equal(1, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(90), null, None));
        pool.Start(2);
        pool.Start(3);
        var arg = new Dictionary<string, string> { ["domain"] = loose.ToString() };
        await PoolProbe.UntilAsync("host 2 answers", async () => (await pool.InvokeAsync(2, "status", null, None))["domains"] is JsonArray, TimeSpan.FromSeconds(60));

        var notSpm = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(2, "pool.attach", arg, None));
        Assert.Equal("NOT_SPM", notSpm.Code.Name);
        var keys = await pool.InvokeAsync(1, "pool.attach", arg, None);
        Assert.Equal("Active", (string)keys["domains"]![loose.ToString()]!);
        var again = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(1, "pool.attach", arg, None));
        Assert.Equal("DOMAIN_ATTACHED", again.Code.Name);

        // Every host watches it; the SPM makes an image on it.
        await PoolProbe.UntilAsync("hosts 2 and 3 read the attached domain", async () =>
        {
            foreach (int host in new[] { 2, 3 })
            {
                var domains = (JsonArray)(await pool.InvokeAsync(host, "status", null, None))["domains"]!;
                if (!domains.Any(d => (string)d!["domain"]! == loose.ToString() && (bool)d["readable"]!))
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(60));
        await new PoolProbe(pool, output).RunAsync(1, "image.create", new() { ["domain"] = loose.ToString(), ["size"] = "1073741824" });

        var master = await Assert.ThrowsAsync<SanpoolException>(() =>
            pool.InvokeAsync(1, "pool.detach", new Dictionary<string, string> { ["domain"] = pool.Master.ToString() }, None));
        Assert.Equal("INVALID_ARGUMENT", master.Code.Name);
        // Through the CLI: `agent call` sends any verb and prints the agent's JSON.
        string socket = pool.SocketOf(1);
        var bad = await SanpoolCli.RunAsync(["agent", "call", "pool.detach", "domain", "--agent", socket]);
        Assert.Equal(2, bad.ExitCode);
        var detached = await SanpoolCli.RunAsync(["agent", "call", "pool.detach", $"domain={loose}", "--agent", socket]);
        Assert.True(detached.ExitCode == 0, detached.StandardError);
        keys = JsonNode.Parse(detached.StandardOutput)!;
        Assert.Null(keys["domains"]![loose.ToString()]);
        var info = JsonNode.Parse((await SanpoolCli.RunAsync(["agent", "call", "pool.info", "--agent", pool.SocketOf(3)])).EnsureSuccess().StandardOutput)!;
        Assert.Equal(pool.Pool.ToString(), (string)info["pool"]!);
        Assert.False((await pool.ReadPoolAsync(None)).Domains.ContainsKey(loose));
        await PoolProbe.UntilAsync("host 2 stops watching it", async () =>
            !((JsonArray)(await pool.InvokeAsync(2, "status", null, None))["domains"]!).Any(d => (string)d!["domain"]! == loose.ToString()),
            TimeSpan.FromSeconds(30));
    }
}
