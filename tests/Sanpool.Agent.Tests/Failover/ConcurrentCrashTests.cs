using System.Diagnostics;
using System.Globalization;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// kill -9 of the SPM's agent while ten tasks run or wait on a block pool: copies in the middle
/// of their data, snapshots and merges on other images, and snapshots queued behind the copies.
/// The host restarted at once frees its own leases and is SPM again; it settles every task
/// (rolled back: recovered; finished: finished; queued: recovered, nothing changed), and the
/// storage is sound: domain check clean, every LV listed by a chain.
/// </summary>
public sealed class ConcurrentCrashTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    [Fact]
    public async Task The_SPM_killed_while_ten_tasks_run_or_wait_is_replaced_and_every_task_is_settled_with_no_leaked_LV()
    {
        await using var test = await ConcurrentRequestTests.CreatePoolAsync(output);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        string d0 = pool.Domains[0].ToString();
        string d1 = pool.Domains[1].ToString();

        var (big, _) = await probe.CreateImageAsync(1, 1, 2 * GiB, "raw");
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
        // Three copies of the big image (they share it) ...
        for (int i = 0; i < 3; i++)
        {
            tasks.Add(await probe.SubmitAsync(1, "image.copy", new() { ["domain"] = d1, ["image"] = big, ["target_domain"] = d0, ["new_image"] = Guid.NewGuid().ToString(), ["collapse"] = "true" }));
        }

        // ... two snapshots of it, which must wait for all three ...
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = big }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = big }));
        // ... and on the small images a merge, a snapshot, a delete, then one more snapshot each.
        tasks.Add(await probe.SubmitAsync(1, "image.merge", new() { ["domain"] = d1, ["image"] = small[0].Image, ["base"] = small[0].Base, ["top"] = small[0].Top }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[1].Image }));
        tasks.Add(await probe.SubmitAsync(1, "volume.delete", new() { ["domain"] = d1, ["image"] = small[2].Image, ["volume"] = small[2].Top }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[0].Image }));
        tasks.Add(await probe.SubmitAsync(1, "snapshot.create", new() { ["domain"] = d1, ["image"] = small[2].Image }));

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
}
