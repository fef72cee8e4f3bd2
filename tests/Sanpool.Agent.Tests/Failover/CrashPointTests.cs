using System.Diagnostics;
using Sanpool.Agent.Tests.Pools;
using Sanpool.Storage.Volumes;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// kill -9 of the SPM agent at named crash points (the agent kills itself there), on two agents
/// over two block domains at the pool's short margin (host_dead 16 s at io_timeout 1;
/// <see cref="CrashTests"/> takes over at the real bound). After each, an SPM serves again
/// (the other host after host_dead, or the crashed host restarted at once, which frees its own
/// leases), the task ends as its crash point says (rolled back: recovered; past the point of no
/// return: finished), and every domain is sound: domain check clean, no LV the chains do not list.
/// </summary>
public sealed class CrashPointTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task The_SPM_killed_in_a_snapshot_a_merge_and_a_copy_is_replaced_and_its_tasks_are_rolled_back_or_finished()
    {
        await using var test = await TestPool.CreateAsync(output, hosts: 2);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var bound = PoolProbe.TakeoverBound(pool.Options, out var hostDead);
        string d0 = pool.Domains[0].ToString();
        string d1 = pool.Domains[1].ToString();

        // Host 1 first, alone: it is the SPM. Host 2 joins paused, and contends only once a step unpauses it.
        pool.Start(1);
        Assert.Equal(1, (await probe.WaitSpmAsync(TimeSpan.FromSeconds(90), null, Stopwatch.StartNew())).Spm);
        pool.Start(2);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        await probe.PauseAsync(2);

        var (snapImage, snapBase) = await probe.CreateImageAsync(1, 1, GiB, "cow");
        var (mergeImage, mergeBase) = await probe.CreateImageAsync(1, 1, GiB, "cow");
        string mergeTop = Guid.NewGuid().ToString();
        await probe.RunAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = mergeImage, ["volume"] = mergeTop });
        // Step 3 crashes after its copy: a small image keeps that copy short on a loaded machine.
        var (copiedImage, _) = await probe.CreateImageAsync(1, 1, 64L << 20, "raw");
        await probe.AssertSoundAsync();

        // 1. snapshot.allocated: before the point of no return. Host 2 takes over after host_dead; the snapshot is rolled back.
        await RestartAsSpmAsync(test, probe, 1, "snapshot.allocated");
        string snapshot = Guid.NewGuid().ToString();
        string snapTask = await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = snapImage, ["volume"] = snapshot });
        await CrashedAsync(pool, 1);
        var crashed = Stopwatch.StartNew();
        await probe.UnpauseAsync(2);
        var (spm, took) = await probe.WaitSpmAsync(PoolProbe.TakeoverPatience(pool.Options), [2], crashed);
        Assert.Equal(2, spm);
        probe.Say($"MEASURED failover after kill -9 at snapshot.allocated: host 2 is SPM {took.TotalSeconds:0.0} s after the crash " +
                  $"(host_dead {hostDead.TotalSeconds:0} s, bound {bound.TotalSeconds:0} s)");
        Assert.True(took >= hostDead - TimeSpan.FromSeconds(4), $"host 2 took the SDM lease {took.TotalSeconds:0.0} s after the crash, before host_dead");
        var takeover = ("kill -9 at snapshot.allocated, host 2 takes over", took);
        var snapRecord = await probe.WaitTaskAsync(2, snapTask, TimeSpan.FromSeconds(30));
        Assert.Equal("recovered", (string)snapRecord["state"]!);
        var snapChain = await probe.ChainAsync(1, snapImage);
        Assert.Equal([snapBase], snapChain.Select(v => (string)v["id"]!));
        Assert.Equal("LEAF", (string)snapChain[0]["voltype"]!);
        Assert.Equal("LEGAL", (string)snapChain[0]["legality"]!);
        Assert.DoesNotContain(snapshot, await probe.VolumeLvsAsync(1));
        // The new SPM serves: the same snapshot again succeeds.
        await probe.RunAsync(2, "snapshot.create", new() { ["domain"] = d1, ["image"] = snapImage, ["volume"] = snapshot });
        await probe.AssertSoundAsync();
        pool.Start(1);
        await probe.WaitConnectedAsync(1, TimeSpan.FromSeconds(60));
        await probe.PauseAsync(1);

        // 2. merge.committed: past the point of no return. Host 2 restarted at once frees its own leases and finishes the merge.
        await RestartAsSpmAsync(test, probe, 2, "merge.committed");
        string mergeTask = await probe.SubmitAsync(2, "image.merge", new() { ["domain"] = d1, ["image"] = mergeImage, ["base"] = mergeBase, ["top"] = mergeTop });
        await CrashedAsync(pool, 2);
        crashed.Restart();
        pool.Start(2);
        (spm, took) = await probe.WaitSpmAsync(bound, [2], crashed);
        Assert.Equal(2, spm);
        probe.Say($"MEASURED restart after kill -9 at merge.committed: host 2 is SPM again {took.TotalSeconds:0.0} s after the crash");
        var mergeRecord = await probe.WaitTaskAsync(2, mergeTask, TimeSpan.FromSeconds(60));
        Assert.Equal("finished", (string)mergeRecord["state"]!);
        var mergeChain = await probe.ChainAsync(1, mergeImage);
        Assert.Equal([mergeBase], mergeChain.Select(v => (string)v["id"]!));
        Assert.Equal("LEAF", (string)mergeChain[0]["voltype"]!);
        Assert.DoesNotContain(mergeTop, await probe.VolumeLvsAsync(1));
        await probe.AssertSoundAsync();

        // 3. copy.copied: data copied, volume still ILLEGAL. Restarted at once; the copy is rolled back on the target.
        await RestartAsSpmAsync(test, probe, 2, "copy.copied");
        string copyTask = await probe.SubmitAsync(2, "image.copy", new() { ["domain"] = d1, ["image"] = copiedImage, ["target_domain"] = d0 });
        await CrashedAsync(pool, 2);
        crashed.Restart();
        pool.Start(2);
        (spm, took) = await probe.WaitSpmAsync(bound, [2], crashed);
        Assert.Equal(2, spm);
        probe.Say($"MEASURED restart after kill -9 at copy.copied: host 2 is SPM again {took.TotalSeconds:0.0} s after the crash");
        var copyRecord = await probe.WaitTaskAsync(2, copyTask, TimeSpan.FromSeconds(60));
        Assert.Equal("recovered", (string)copyRecord["state"]!);
        Assert.Empty(await probe.ChainAsync(0, copiedImage));
        Assert.Empty(await probe.VolumeLvsAsync(0));
        // The SPM serves: a structural verb on the master domain succeeds.
        await probe.CreateImageAsync(2, 0, GiB, "cow");

        var tasks = (await pool.InvokeAsync(2, "task.list", null, CancellationToken.None)).AsArray();
        Assert.DoesNotContain(tasks, t => (string)t!["state"]! is "running" or "queued" or "recovering");
        await probe.AssertSoundAsync();
        PoolProbe.AssertWithinBound([takeover], bound);
    }

    /// <summary>Gives the role back cleanly (SIGTERM) and restarts <paramref name="host"/> armed with a crash point; it becomes SPM again.</summary>
    private static async Task RestartAsSpmAsync(TestPool test, PoolProbe probe, int host, string crashPoint)
    {
        var pool = test.Pool;
        await pool.StopAsync(host, TimeSpan.FromSeconds(30));
        pool.Start(host, new Dictionary<string, string> { [CrashPoint.Variable] = crashPoint });
        Assert.Equal(host, (await probe.WaitSpmAsync(TimeSpan.FromSeconds(90), [host], Stopwatch.StartNew())).Spm);
        probe.Say($"host {host} is SPM, armed with crash point {crashPoint}");
    }

    /// <summary>
    /// Waits for the armed agent to kill itself at its crash point. The limit only catches an
    /// agent that never gets there: on a loaded 2-core machine a step can take minutes.
    /// </summary>
    private static async Task CrashedAsync(Sanpool.Harness.LocalPools.LocalPool pool, int host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await pool.WaitForExitAsync(host, timeout.Token);
    }
}
