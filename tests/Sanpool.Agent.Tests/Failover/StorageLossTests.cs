using System.Diagnostics;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// The SPM loses its storage at the device level: it reaches both LUNs through its own paths
/// (FUSE-backed loop devices, <see cref="FaultyPath"/>), and the master's path stops answering
/// while the data domain's path fails with I/O errors. Its host id lease cannot be renewed, so
/// another host becomes SPM once host_dead has passed. When its paths come back (the I/O hung
/// on them failing, as multipath fails queued I/O), it must write nothing: the metadata reads
/// the same, and it is Free or dead.
/// </summary>
public sealed class StorageLossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_SPM_whose_storage_hangs_and_fails_is_replaced_and_writes_nothing_when_it_comes_back()
    {
        await using var test = await TestPool.CreateAsync(output, priority: h => h == 1 ? 10 : 3, tune: TestPool.RealWatchdog);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var bound = PoolProbe.TakeoverBound(pool.Options, out var hostDead);
        var masterPath = await test.AddFaultyPathAsync(0);
        var dataPath = await test.AddFaultyPathAsync(1);
        pool.Configure(1, [masterPath.Device, dataPath.Device]);

        pool.Start(1);
        Assert.Equal(1, (await probe.WaitSpmAsync(TimeSpan.FromSeconds(90), null, Stopwatch.StartNew())).Spm);
        pool.Start(2);
        pool.Start(3);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        await probe.WaitConnectedAsync(3, TimeSpan.FromSeconds(60));
        var (image, _) = await probe.CreateImageAsync(1, 1, 1L << 30, "cow");
        probe.Say($"image {image} made by host 1; now its master path hangs and its data path fails");

        var lost = Stopwatch.StartNew();
        using var hang = masterPath.Hang();
        using var fail = dataPath.Fail();
        var (spm, took) = await probe.WaitSpmAsync(PoolProbe.TakeoverPatience(pool.Options), [2, 3], lost);
        probe.Say($"MEASURED storage loss: host {spm} is SPM {took.TotalSeconds:0.0} s after host 1 lost its storage (host_dead {hostDead.TotalSeconds:0} s)");
        Assert.Equal(spm, (await pool.ReadPoolAsync(CancellationToken.None)).SpmId);

        // The new SPM works on the domain host 1 lost, then is left idle.
        await probe.RunAsync(spm, "snapshot.create", new() { ["domain"] = pool.Domains[1].ToString(), ["image"] = image });
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await probe.FingerprintAsync();

        // Host 1's paths come back. The I/O hung on the master path fails, as multipath fails
        // what it queued once it declares a path dead: a write issued while host 1 still held its
        // lease must not land a minute later, which no lease can fence (sanlock neither; it relies
        // on the storage's I/O timeouts). Everything host 1 does after this is new I/O.
        masterPath.Restore();
        dataPath.Restore();
        await Task.Delay(TimeSpan.FromSeconds(15));
        var after = await probe.FingerprintAsync();
        PoolProbe.AssertSameMetadata(before, after, "host 1 got its storage back");
        var states = await pool.SpmStatesAsync(CancellationToken.None);
        Assert.True(!pool.Running.Contains(1) || states.GetValueOrDefault(1) is "Free" or null, $"host 1 after its storage came back: {states.GetValueOrDefault(1)}");
        Assert.Equal(spm, (await pool.ReadPoolAsync(CancellationToken.None)).SpmId);
        Assert.Equal(2, (await probe.ChainAsync(1, image)).Count);
        await probe.AssertSoundAsync();
        PoolProbe.AssertWithinBound([("storage loss", took)], bound);
    }
}
