using System.Diagnostics;
using System.Globalization;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// The SPM lost while ten tasks run or wait on a block pool (copies in the middle of their
/// data, snapshots and merges on other images, snapshots queued behind the copies), by kill -9
/// (the host restarted at once frees its own leases and is SPM again) or by SIGSTOP (the other
/// host takes over at host_dead, the pool's short margin). The next SPM settles every task
/// (rolled back: recovered; finished: finished; queued: recovered, nothing changed), the
/// storage is sound (domain check clean, every LV listed by a chain), and a frozen SPM, thawed,
/// writes nothing: its tasks, claims and writers went with its lease.
/// </summary>
public sealed class ConcurrentCrashTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task The_SPM_frozen_while_ten_tasks_run_or_wait_is_replaced_settles_nothing_twice_and_once_thawed_writes_nothing()
    {
        // Host 2 may contend (priority 1) but is paused until host 1, the SPM, is frozen.
        await using var test = await TestPool.CreateAsync(output, hosts: 2, priority: h => h == 1 ? 10 : 1, tune: o => o with { LunSize = 64L * GiB });
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        pool.Start(1);
        Assert.Equal(1, (await probe.WaitSpmAsync(TimeSpan.FromSeconds(90), null, Stopwatch.StartNew())).Spm);
        pool.Start(2);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        await probe.PauseAsync(2);
        PoolProbe.TakeoverBound(pool.Options, out var hostDead);

        var (tasks, big, small) = await SubmitTenAsync(probe);
        await probe.MidwayAsync(1, tasks[0]);
        var states = await Task.WhenAll(tasks.Select(t => probe.TaskAsync(1, t)));
        probe.Say($"freezing the SPM; tasks: {string.Join(", ", states.Select(s => (string)s["state"]!))}");
        Assert.Contains(states, s => (string)s["state"]! == "queued");

        await FreezeTests.FreezeAndReplaceAsync(probe, frozen: 1, next: 2, hostDead, "with ten tasks");
        var settled = new Dictionary<string, string>();
        foreach (string task in tasks)
        {
            var record = await probe.WaitTaskAsync(2, task, TimeSpan.FromSeconds(60));
            Assert.True((string)record["state"]! is "finished" or "recovered", $"task {task}: {record.ToJsonString()}");
            settled[task] = record.ToJsonString();
        }

        await probe.AssertSoundAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await probe.FingerprintAsync();
        await FreezeTests.ThawAsync(probe, 1);
        var after = await probe.FingerprintAsync();
        PoolProbe.AssertSameMetadata(before, after, "host 1, frozen with ten tasks, woke up");
        foreach (string task in tasks)
        {
            Assert.Equal(settled[task], (await probe.TaskAsync(2, task)).ToJsonString());
        }

        await probe.AssertSoundAsync();
        await probe.RunAsync(2, "snapshot.create", new() { ["domain"] = pool.Domains[1].ToString(), ["image"] = big });
        foreach (var (image, _, _) in small)
        {
            await probe.RunAsync(2, "snapshot.create", new() { ["domain"] = pool.Domains[1].ToString(), ["image"] = image });
        }

        await probe.AssertSoundAsync();
    }

    [Fact]
    public async Task The_SPM_killed_while_ten_tasks_run_or_wait_is_replaced_and_every_task_is_settled_with_no_leaked_LV()
    {
        await using var test = await ConcurrentRequestTests.CreatePoolAsync(output);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        string d1 = pool.Domains[1].ToString();

        var (tasks, big, small) = await SubmitTenAsync(probe);
        double seen = await probe.MidwayAsync(1, tasks[0]);
        var states = await Task.WhenAll(tasks.Select(t => probe.TaskAsync(1, t)));
        probe.Say($"killing the SPM at copy progress {seen.ToString(CultureInfo.InvariantCulture)} %; tasks: {string.Join(", ", states.Select(s => (string)s["state"]!))}");
        Assert.Contains(states, s => (string)s["state"]! == "queued");
        await pool.CrashAsync(1, CancellationToken.None);

        var crashed = Stopwatch.StartNew();
        pool.Start(1);
        var (spm, took) = await probe.WaitSpmAsync(PoolProbe.TakeoverBound(pool.Options, out _), [1], crashed);
        Assert.Equal(1, spm);
        probe.Say($"host 1 is SPM again {took.TotalSeconds:0.0} s after the kill");

        foreach (string task in tasks)
        {
            var record = await probe.WaitTaskAsync(1, task, TimeSpan.FromSeconds(60));
            string state = (string)record["state"]!;
            Assert.True(state is "finished" or "recovered", $"task {task}: {record.ToJsonString()}");
            if (state == "recovered")
            {
                Assert.Equal("SPM_LEASE_LOST", (string?)record["error_name"]);
            }
        }

        await probe.AssertSoundAsync();
        // The new term serves at once, on the images the killed tasks held.
        await probe.RunAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = big });
        foreach (var (image, _, _) in small)
        {
            await probe.RunAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = image });
        }

        await probe.AssertSoundAsync();
    }

    /// <summary>
    /// Two collapsed copies of a 1 GiB raw image (they share it), two snapshots of it queued
    /// behind them, and on three small images a merge, two snapshots, a delete and two
    /// snapshots more: ten tasks on host 1, the SPM. Returns them in submission order, the copy first.
    /// </summary>
    private static async Task<(List<string> Tasks, string Big, List<(string Image, string Base, string Top)> Small)> SubmitTenAsync(PoolProbe probe)
    {
        string d0 = probe.Pool.Domains[0].ToString();
        string d1 = probe.Pool.Domains[1].ToString();
        // Big enough that its copies take a few seconds, small enough not to starve the other tests' I/O.
        var (big, _) = await probe.CreateImageAsync(1, 1, GiB, "raw");
        var small = new List<(string Image, string Base, string Top)>();
        for (int i = 0; i < 3; i++)
        {
            var (image, b) = await probe.CreateImageAsync(1, 1, GiB, "cow");
            string top = Guid.NewGuid().ToString();
            await probe.RunAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = image, ["volume"] = top });
            small.Add((image, b, top));
        }

        await probe.AssertSoundAsync();
        var tasks = new List<string>();
        // Two copies of the big image (they share it) ...
        for (int i = 0; i < 2; i++)
        {
            tasks.Add(await probe.SubmitAsync(1, "image.copy", new() { ["domain"] = d1, ["image"] = big, ["target_domain"] = d0, ["new_image"] = Guid.NewGuid().ToString(), ["collapse"] = "true" }));
        }

        // ... two snapshots of it, which must wait for all three ...
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = big }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = big }));
        // ... and on the small images a merge, two snapshots, a delete, then one more snapshot on two of them.
        tasks.Add(await probe.SubmitAsync(1, "image.merge", new() { ["domain"] = d1, ["image"] = small[0].Image, ["base"] = small[0].Base, ["top"] = small[0].Top }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[1].Image }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[1].Image }));
        tasks.Add(await probe.SubmitAsync(1, "volume.delete", new() { ["domain"] = d1, ["image"] = small[2].Image, ["volume"] = small[2].Top }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[0].Image }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[2].Image }));

        return (tasks, big, small);
    }
}
