using System.Text.Json.Nodes;
using Sanpool.Core;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>Three agents on a pool of two block domains on loop devices: the plain path.</summary>
public sealed class BlockPoolTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Three_agents_elect_one_SPM_which_creates_an_image_that_every_host_reads_the_same_four_ways()
    {
        await using var test = await TestPool.CreateAsync(output);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
        var keys = await pool.ReadPoolAsync(None);
        Assert.Equal(spm, keys.SpmId);

        string image = Guid.NewGuid().ToString();
        var create = new Dictionary<string, string> { ["domain"] = pool.Domains[1].ToString(), ["image"] = image, ["size"] = "1073741824", ["format"] = "cow" };
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

        // A snapshot on it; then a host that is not SPM shows the chain as metadata, LV tags and
        // qcow2 headers say it (domain.volumes), and domain.check finds them agreeing.
        string snapshot = Guid.NewGuid().ToString();
        task = (string)(await pool.InvokeAsync(spm, "snapshot.create", new Dictionary<string, string>
        {
            ["domain"] = pool.Domains[1].ToString(), ["image"] = image, ["volume"] = snapshot,
        }, None))["task"]!["id"]!;
        await WaitFinishedAsync(pool, spm, task);

        int reader = pool.HostIds.First(h => h != spm);
        var domain = new Dictionary<string, string> { ["domain"] = pool.Domains[1].ToString() };
        var views = await pool.InvokeAsync(reader, "domain.volumes", domain, None);
        var chain = views["chains"]!.AsArray().Single(c => (string)c!["image"]! == image)!;
        Assert.Null(chain["error"]);
        var ids = chain["volumes"]!.AsArray().Select(v => (string)v!).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(snapshot, ids[1]);
        var byId = views["volumes"]!.AsArray().ToDictionary(v => (string)v!["id"]!, v => v!);
        var (bottom, top) = (byId[ids[0]], byId[ids[1]]);
        Assert.Equal(Guid.Empty.ToString(), (string)bottom["metadata"]!["parent"]!);
        Assert.Equal("INTERNAL", (string)bottom["metadata"]!["voltype"]!);
        Assert.Null(bottom["qcow2"]!["backing_file"]);
        Assert.Equal(ids[0], (string)top["metadata"]!["parent"]!);
        Assert.Equal("LEAF", (string)top["metadata"]!["voltype"]!);
        Assert.Equal(ids[0], (string)top["storage"]!["tag_parent"]!);
        Assert.Equal(ids[0], (string)top["qcow2"]!["backing_file"]!);
        Assert.Equal("qcow2", (string)top["qcow2"]!["backing_format"]!);
        Assert.Equal(1073741824L, (long)top["qcow2"]!["size"]!);
        Assert.NotEqual((int)bottom["storage"]!["metadata_slot"]!, (int)top["storage"]!["metadata_slot"]!);
        Assert.Empty((await pool.InvokeAsync(reader, "domain.check", domain, None))["findings"]!.AsArray());

        // A second image; then domain.volumes for one image shows that image alone, as the whole read shows it.
        string second = Guid.NewGuid().ToString();
        task = (string)(await pool.InvokeAsync(spm, "image.create", new Dictionary<string, string>(create) { ["image"] = second }, None))["task"]!["id"]!;
        await WaitFinishedAsync(pool, spm, task);
        var whole = await pool.InvokeAsync(reader, "domain.volumes", domain, None);
        Assert.Equal(3, whole["volumes"]!.AsArray().Count);
        var one = await pool.InvokeAsync(reader, "domain.volumes", new Dictionary<string, string>(domain) { ["image"] = image }, None);
        Assert.Equal(image, (string)one["chains"]!.AsArray().Single()!["image"]!);
        Assert.Equal(ids, one["chains"]![0]!["volumes"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(
            whole["volumes"]!.AsArray().Where(v => (string)v!["image"]! == image).Select(v => v!.ToJsonString()),
            one["volumes"]!.AsArray().Select(v => v!.ToJsonString()));
        var none = await pool.InvokeAsync(reader, "domain.volumes", new Dictionary<string, string>(domain) { ["image"] = Guid.NewGuid().ToString() }, None);
        Assert.Empty(none["chains"]!.AsArray());
        Assert.Empty(none["volumes"]!.AsArray());
    }

    private static async Task WaitFinishedAsync(Sanpool.Harness.LocalPools.LocalPool pool, int host, string task)
    {
        JsonNode record;
        do
        {
            await Task.Delay(200);
            record = await pool.InvokeAsync(host, "task.status", new Dictionary<string, string> { ["task"] = task }, None);
        }
        while ((string)record["state"]! is "running" or "queued");

        Assert.Equal("finished", (string)record["state"]!);
    }
}
