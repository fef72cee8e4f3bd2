using System.Diagnostics;
using System.Globalization;
using Sanpool.Agent.Tests.Failover;
using Sanpool.Agent.Tests.Pools;
using Sanpool.Agent.Tests.Vm;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// Issue 5, test 2 (a steady writer), with real VMs run by real agents: each VM on a host that is
/// not SPM copies a file of random bytes onto a thin qcow2 that starts at one extent, through
/// its host's NBD exports with <c>werror=enospc</c>; its host's thin monitor asks the SPM for
/// room through the storage mailbox. Each writer host has its own extension policy, so the
/// same writer is measured under VDSM's defaults, VDSM's policy with a small chunk, and the
/// predictive mode; the predictive one must never pause. The guest verifies its data and
/// <c>qemu-img compare</c> checks every byte from the host. Needs root (loop devices).
/// What it showed here (TCG guest at 110-220 MiB/s, extension round trips of 0.2-0.5 s): VDSM's
/// policy extends while at least 80 % of a chunk is free (2048 MiB, or 102 MiB at chunk 128),
/// more than one round trip of this writer, so it did not pause either; only a free-space
/// limit below one round trip's writing (chunk 128 at utilization 90: 12.8 MiB) pauses, about
/// once per extension.
/// </summary>
[Collection(OneGuestAtATime.Name)]
public sealed class VmThinTests(ITestOutputHelper output)
{
    private const long MiB = AgentVms.MiB;

    /// <summary>
    /// What the guest copies (MiB): 6 extents, more than one extension under every policy
    /// (VDSM's defaults extend a second time once 640 MiB are written); ~7 s of writing under
    /// TCG. (It was 1536: the same verdicts, and the suite's most expensive test by far.)
    /// </summary>
    private const int CopyMiB = 768;

    /// <summary>
    /// The guest reads back every 32nd chunk and the last (md5 under TCG runs at ~20 MB/s, a
    /// third of each VM's time at every 8th); <c>qemu-img compare</c> then checks every byte.
    /// </summary>
    private const int GuestVerifyEvery = 32;

    private const int GuestChunkMiB = 16;

    private static readonly TimeSpan GuestTimeout = TimeSpan.FromMinutes(6);

    /// <summary>Host 1 is SPM; each other host writes under one policy.</summary>
    private static readonly (int Host, string Label, ThinConfig Thin)[] Writers =
    [
        (2, "vdsm defaults (chunk 2560)", new ThinConfig()),
        // (VDSM at chunk 128 and 20 % did not pause either: its 102 MiB limit covers a round trip at TCG speed.)
        (3, "vdsm chunk 128, utilization 90", new ThinConfig { ChunkMib = 128, UtilizationPercent = 90 }),
        (4, "predictive chunk 256", new ThinConfig { Mode = "predictive", ChunkMib = 256 }),
    ];

    [Fact]
    public async Task A_steady_writer_in_a_VM_fills_a_thin_disk_through_the_mailbox_and_never_pauses_in_predictive_mode()
    {
        // 24 GiB LUNs: the data domain has ~19 GiB free, room for every writer's image at its 4608 MiB maximum.
        await using var test = await TestPool.CreateAsync(output, hosts: 1 + Writers.Length, priority: h => h == 1 ? 10 : 0,
            tune: o => o with { LunSize = 24L << 30 });
        var pool = test.Pool;
        foreach (var (host, _, thin) in Writers)
        {
            File.WriteAllText(Path.Combine(pool.HostDirectory(host), "config.json"), (pool.Config(host) with { Thin = thin }).ToJson());
        }

        var probe = new PoolProbe(pool, output);
        var thinProbe = new ThinProbe(pool, output);
        await using var vms = new AgentVms(pool, output);
        using var dir = new Sanpool.TestSupport.TempDir("vmthin");
        pool.Start(1);
        await probe.WaitSpmAsync(TimeSpan.FromSeconds(120), [1], Stopwatch.StartNew());
        foreach (var (host, _, _) in Writers)
        {
            pool.Start(host);
            await probe.WaitConnectedAsync(host, TimeSpan.FromSeconds(60));
        }

        string source = dir.File("source.raw");
        await AgentVms.WriteSourceAsync(source, CopyMiB, seed: 5);
        var rows = new List<string>();
        var pauses = new Dictionary<int, long>();
        foreach (var (host, label, _) in Writers)
        {
            var (image, volume) = await probe.CreateImageAsync(1, 1, 4096 * MiB, "cow");
            Assert.Equal(128 * MiB, await thinProbe.LvSizeAsync(1, volume));
            var clock = Stopwatch.StartNew();
            string name = $"steady{host}";
            await vms.StartAsync(host, name, 1, image, source, CopyMiB, GuestChunkMiB, GuestVerifyEvery);
            var status = await vms.WaitResultAsync(host, name, GuestTimeout);
            var cycle = clock.Elapsed;
            Assert.Equal("RESULT PASS", (string?)status["result"]);
            string drive = (string)status["drive"]!;
            await vms.StopAsync(host, name, teardown: false);
            await vms.AssertIdenticalAsync(source, drive);
            Assert.Equal(drive, await thinProbe.PrepareAsync(host, 1, image));

            var events = await thinProbe.EventsAsync(host, 0);
            var mine = SpmExtensionLog.Done(events, volume);
            long lv = await thinProbe.LvSizeAsync(1, volume);
            SpmExtensionLog.AssertDoneChain(mine, 128, lv / MiB);
            Assert.InRange(lv, CopyMiB * MiB, 4096 * MiB * 11 / 10 + 128 * MiB);
            // The agent's pause count and its vm.paused events agree.
            Assert.Equal((long)status["pauses"]!, events.Count(e => (string?)e!["kind"] == "vm.paused" && (string?)e["vm"] == name));
            pauses[host] = (long)status["pauses"]!;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {(long)status["pauses"]!} | {status["paused_ms"]} | {mine.Count} | {lv / MiB} | {AgentVms.GuestRate(status):0.0} | {cycle.TotalSeconds:0.0} |"));
            thinProbe.Say($"host {host} ({label}): extensions {string.Join(", ", mine.Select(d => $"{d.From}->{d.To} MiB in {d.LatencyMs} ms"))}");
            await pool.InvokeAsync(host, "image.teardown", new Dictionary<string, string> { ["domain"] = pool.Domains[1].ToString(), ["image"] = image }, CancellationToken.None);
        }

        output.WriteLine($"steady writer, {CopyMiB} MiB in {GuestChunkMiB} MiB O_DIRECT chunks, image 4 GiB from one 128 MiB extent:");
        output.WriteLine("| policy | pauses | paused ms | extensions | final LV MiB | guest MiB/s | cycle s |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(output.WriteLine);
        Assert.Equal(0, pauses[Writers.Single(w => w.Thin.Mode == "predictive").Host]);
    }
}
