using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Agent.Tests.Failover;
using Sanpool.Agent.Tests.Pools;
using Sanpool.Agent.Tests.Vm;
using Sanpool.Storage.Domains;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// Issue 5, test 4 (exhaustion and recovery), with real VMs run by real agents: two VMs on two
/// hosts that are not SPM each write more than the data domain's VG has free. Both pause on
/// ENOSPC and stay paused; their hosts and the SPM publish that there is no space. Then the
/// real <c>sanpool domain extend --block</c> adds a spare LUN through the SPM's API: both VMs
/// resume by themselves, finish, and their data is intact (the guest's own check and
/// <c>qemu-img compare</c>). Needs root (loop devices).
/// </summary>
[Collection(OneGuestAtATime.Name)]
public sealed class VmExhaustionTests(ITestOutputHelper output)
{
    private const long MiB = AgentVms.MiB;
    private const long Extent = BlockDomainLayout.ExtentSize;

    /// <summary>A LUN with room for the special LVs and about three more extents (LVM may round a few MiB away).</summary>
    private const long LunSize = ((36 + 3) * Extent) + (2 * BlockDomainLayout.PvMetadataAreaSize) + (65 * MiB);

    private static readonly TimeSpan GuestTimeout = TimeSpan.FromMinutes(8);

    private static readonly int[] Writers = [2, 3];

    [Fact]
    public async Task VMs_that_exhaust_the_VG_pause_and_resume_by_themselves_with_their_data_intact_when_a_LUN_is_added()
    {
        await using var test = await TestPool.CreateAsync(output, hosts: 3, priority: h => h == 1 ? 10 : 0,
            tune: o => o with { LunSize = LunSize, SpareLuns = 1, Thin = new ThinConfig { ChunkMib = 256, Mode = "predictive" } });
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var thin = new ThinProbe(pool, output);
        await using var vms = new AgentVms(pool, output);
        using var dir = new TempDir("vmfull");
        pool.Start(1);
        await probe.WaitSpmAsync(TimeSpan.FromSeconds(120), [1], Stopwatch.StartNew());
        foreach (int host in Writers)
        {
            pool.Start(host);
            await probe.WaitConnectedAsync(host, TimeSpan.FromSeconds(60));
        }

        string vg = pool.Domains[1].ToString();
        long free = long.Parse((await probe.LvmAsync(1, "vgs", "--noheadings", "-o", "vg_free_count", vg)).Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(free, 3, 5);
        // Each writer alone needs more than the VG holds, so both pause whoever is served first.
        long copyMiB = (free + 1) * Extent / MiB;
        thin.Say($"domain {vg}: {free} extents free; each VM writes {copyMiB} MiB");
        string source = dir.File("source.raw");
        await AgentVms.WriteSourceAsync(source, copyMiB, seed: 4);
        var images = new Dictionary<int, (string Image, string Volume)>();
        foreach (int host in Writers)
        {
            images[host] = await probe.CreateImageAsync(1, 1, 2048 * MiB, "cow");
        }

        var clock = Stopwatch.StartNew();
        foreach (int host in Writers)
        {
            await vms.StartAsync(host, Name(host), 1, images[host].Image, source, copyMiB, chunkMib: 16, verifyEvery: 4);
        }

        await PoolProbe.UntilAsync("both VMs paused for space", async () =>
        {
            var states = await Task.WhenAll(Writers.Select(h => vms.StatusAsync(h, Name(h))));
            return states.All(s => (string?)s["state"] == "io-error") && (await Task.WhenAll(Writers.Select(h => HasAsync(thin, h, "vm.nospace")))).All(b => b);
        }, GuestTimeout);
        thin.Say($"both VMs paused for space {clock.Elapsed.TotalSeconds:0.0} s after the first start");

        // They stay paused: no space comes by itself.
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (int host in Writers)
        {
            var status = await vms.StatusAsync(host, Name(host));
            Assert.Equal("io-error", (string?)status["state"]);
            Assert.Null(status["result"]);
            Assert.True(await HasAsync(thin, host, "vm.paused"), $"host {host} published no vm.paused");
            Assert.True(await HasAsync(thin, host, "extend.nospace"), $"host {host} published no extend.nospace");
            thin.Say($"host {host}: VM {Name(host)} paused at {status["progress"]}, LV {(long?)status["lv_size"] / MiB} MiB");
        }

        var spmNoSpace = (await thin.EventsAsync(1)).Where(e => (string?)e!["kind"] == "extend.nospace").ToList();
        Assert.Contains(spmNoSpace, e => Writers.Contains((int)e!["host_id"]!));
        thin.Say($"SPM: {spmNoSpace.Count} extend.nospace event(s): {spmNoSpace[0]!["message"]}");

        var lunAt = Stopwatch.StartNew();
        var extend = await SanpoolCli.RunAsync(["domain", "extend", vg, "--block", pool.Spares[0].Path, "--agent", pool.SocketOf(1)]);
        var cliTook = lunAt.Elapsed;
        Assert.True(extend.Succeeded, $"sanpool domain extend failed: {extend.StandardOutput}{extend.StandardError}");
        Assert.Equal(vg, extend.StandardOutput.Trim());

        var resumedAt = new Dictionary<int, TimeSpan>();
        await PoolProbe.UntilAsync("both VMs resumed", async () =>
        {
            foreach (int host in Writers.Where(h => !resumedAt.ContainsKey(h)))
            {
                if (await HasAsync(thin, host, "vm.resumed"))
                {
                    resumedAt[host] = lunAt.Elapsed;
                }
            }

            return resumedAt.Count == Writers.Length;
        }, TimeSpan.FromSeconds(60), period: TimeSpan.FromMilliseconds(50));
        thin.Say($"domain extend took {cliTook.TotalMilliseconds:0} ms (CLI process included); VMs resumed after {string.Join(", ", resumedAt.Select(r => $"host {r.Key}: {r.Value.TotalMilliseconds:0} ms"))}");
        // The same on the agents' clock (one machine): the SPM's domain.extended to each vm.resumed.
        var extended = Time((await thin.EventsAsync(1)).Single(e => (string?)e!["kind"] == "domain.extended")!);
        foreach (int host in Writers)
        {
            var resumed = Time((await thin.EventsAsync(host)).First(e => (string?)e!["kind"] == "vm.resumed")!);
            thin.Say($"host {host}: VM resumed {(resumed - extended).TotalMilliseconds:0} ms after the SPM added the LUN");
            Assert.InRange(resumed - extended, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        }

        foreach (int host in Writers)
        {
            var status = await vms.WaitResultAsync(host, Name(host), GuestTimeout);
            Assert.Equal("RESULT PASS", (string?)status["result"]);
            string drive = (string)status["drive"]!;
            await vms.StopAsync(host, Name(host), teardown: false);
            await vms.AssertIdenticalAsync(source, drive);
            long lv = await thin.LvSizeAsync(1, images[host].Volume);
            thin.Say(string.Create(CultureInfo.InvariantCulture,
                $"host {host}: {status["pauses"]} pause(s), paused {status["paused_ms"]} ms in all, LV {lv / MiB} MiB, guest {AgentVms.GuestRate(status):0.0} MiB/s"));
            Assert.InRange(lv, copyMiB * MiB, 2048 * MiB * 11 / 10 + Extent);
            await pool.InvokeAsync(host, "image.teardown", new Dictionary<string, string> { ["domain"] = vg, ["image"] = images[host].Image }, CancellationToken.None);
        }

        thin.Say($"whole scenario {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static DateTimeOffset Time(JsonNode e) => DateTimeOffset.Parse((string)e["time"]!, CultureInfo.InvariantCulture);

    private static string Name(int host) => $"fill{host}";

    private static async Task<bool> HasAsync(ThinProbe thin, int host, string kind) =>
        (await thin.EventsAsync(host)).Any(e => (string?)e!["kind"] == kind);
}
