using System.Diagnostics;
using Sanpool.Agent.Tests.Failover;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// Thin provisioning end to end with real agents (separate processes) on a block pool on loop
/// devices: a host that is not SPM writes into a thin qcow2 through its own NBD exports with
/// qemu-io, its monitor asks the SPM through the storage mailbox, the SPM runs lvextend, and
/// the host maps the new extents while the writer goes on.
/// </summary>
public sealed class ThinExtensionTests(ITestOutputHelper output)
{
    private const long MiB = ThinProbe.MiB;

    [Fact]
    public async Task A_host_that_is_not_SPM_writes_past_its_first_extent_and_the_SPM_extends_the_LV_through_the_mailbox()
    {
        await using var test = await TestPool.CreateAsync(output, hosts: 2, priority: h => h == 1 ? 10 : 0,
            tune: o => o with { Thin = new ThinConfig { ChunkMib = 256 } });
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var thin = new ThinProbe(pool, output);
        pool.Start(1);
        await probe.WaitSpmAsync(TimeSpan.FromSeconds(60), [1], Stopwatch.StartNew());
        pool.Start(2);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        var (image, volume) = await probe.CreateImageAsync(1, 1, 2048 * MiB, "cow");
        Assert.Equal(128 * MiB, await thin.LvSizeAsync(1, volume));

        string drive = await thin.PrepareAsync(2, 1, image);
        var clock = Stopwatch.StartNew();
        int refused = await ThinProbe.WriteAsync(drive, 1000, 50, 0x5a, TimeSpan.FromSeconds(60));
        thin.Say($"wrote 1000 MiB in {clock.Elapsed.TotalSeconds:F1} s; {refused} piece(s) were refused for space first");

        await ThinProbe.AssertReadsAsync(drive, 1000, 0x5a);
        long lv = await thin.LvSizeAsync(1, volume);
        Assert.InRange(lv, 1000 * MiB, 2048 * MiB * 11 / 10 + 128 * MiB);
        var events = await thin.EventsAsync(2);
        var done = SpmExtensionLog.Done(events, volume);
        thin.Say($"host 2 extensions: {string.Join(", ", done.Select(d => $"{d.From}->{d.To} MiB in {d.LatencyMs} ms"))}");
        SpmExtensionLog.AssertDoneChain(done, 128, lv / MiB);
        Assert.Contains("extended volume " + volume, await File.ReadAllTextAsync(pool.LogOf(1)));
    }
}
