using System.Text.Json.Nodes;
using Sanpool.Core;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>Three agents on a pool of two block domains on loop devices: the plain path.</summary>
public sealed class BlockPoolTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Three_agents_elect_one_SPM_which_creates_an_image_that_every_host_reads()
    {
        await using var test = await TestPool.CreateAsync(output);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
        var keys = await pool.ReadPoolAsync(None);
        Assert.Equal(spm, keys.SpmId);

        var create = new Dictionary<string, string> { ["domain"] = pool.Domains[1].ToString(), ["size"] = "1073741824", ["format"] = "cow" };
        foreach (int other in pool.HostIds.Where(h => h != spm))
        {
            var refused = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(other, "image.create", create, None));
            Assert.Equal("NOT_SPM", refused.Code.Name);
            Assert.Contains($"the SPM is host {spm}", refused.Message, StringComparison.Ordinal);
        }

        string task = (string)(await pool.InvokeAsync(spm, "image.create", create, None))["task"]!["id"]!;
        JsonNode record;
        do
        {
            await Task.Delay(200);
            record = await pool.InvokeAsync(pool.HostIds.First(h => h != spm), "task.status", new Dictionary<string, string> { ["task"] = task }, None);
        }
        while ((string)record["state"]! == "running");

        Assert.Equal("finished", (string)record["state"]!);
    }
}
