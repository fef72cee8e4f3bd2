using System.Diagnostics;
using System.Globalization;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// kill -9 of the SPM agent from outside, at a moment seen in a copy's progress, on two agents
/// over two block domains at sanlock's real watchdog margin (host_dead 76 s at io_timeout 2):
/// the other host takes the SDM lease no sooner than host_dead and within the lease-expiry
/// bound, the copy is rolled back, and every domain is sound: domain check clean, no LV the
/// chains do not list. The crash points themselves run at the short margin
/// (<see cref="CrashPointTests"/>).
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    /// <summary>Big enough that a copy takes several seconds, so its progress can be seen midway.</summary>
    private const long CopySize = 2 * GiB;

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_SPM_killed_mid_copy_is_replaced_at_the_real_host_dead_and_its_copy_is_rolled_back()
    {
        await using var test = await TestPool.CreateAsync(output, hosts: 2, tune: TestPool.RealWatchdog);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var bound = PoolProbe.TakeoverBound(pool.Options, out var hostDead);
        string d0 = pool.Domains[0].ToString();
        string d1 = pool.Domains[1].ToString();

        // Host 1 first, alone: it is the SPM. Host 2 joins paused, so it contends only once host 1 is killed.
        pool.Start(1);
        Assert.Equal(1, (await probe.WaitSpmAsync(TimeSpan.FromSeconds(90), null, Stopwatch.StartNew())).Spm);
        pool.Start(2);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        await probe.PauseAsync(2);
        var (copyImage, _) = await probe.CreateImageAsync(1, 1, CopySize, "raw");
        await probe.AssertSoundAsync();

        string copyTask = await probe.SubmitAsync(1, "image.copy", new() { ["domain"] = d1, ["image"] = copyImage, ["target_domain"] = d0 });
        double seen = await probe.MidwayAsync(1, copyTask);
        await pool.CrashAsync(1, None);
        var crashed = Stopwatch.StartNew();
        probe.Say(string.Create(CultureInfo.InvariantCulture, $"host 1 killed with -9 at copy progress {seen} %"));
        await probe.UnpauseAsync(2);
        var (spm, took) = await probe.WaitSpmAsync(PoolProbe.TakeoverPatience(pool.Options), [2], crashed);
        Assert.Equal(2, spm);
        probe.Say($"MEASURED failover after an external kill -9 mid-copy: host 2 is SPM {took.TotalSeconds:0.0} s after the kill " +
                  $"(host_dead {hostDead.TotalSeconds:0} s, bound {bound.TotalSeconds:0} s)");
        Assert.True(took >= hostDead - TimeSpan.FromSeconds(4), $"host 2 took the SDM lease {took.TotalSeconds:0.0} s after the kill, before host_dead");
        var copyRecord = await probe.WaitTaskAsync(2, copyTask, TimeSpan.FromSeconds(60));
        Assert.Equal("recovered", (string)copyRecord["state"]!);
        Assert.Empty(await probe.ChainAsync(0, copyImage));
        Assert.Empty(await probe.VolumeLvsAsync(0));
        await probe.AssertSoundAsync();
        // The new SPM serves: a structural verb on the master domain succeeds.
        await probe.CreateImageAsync(2, 0, GiB, "cow");

        var tasks = (await pool.InvokeAsync(2, "task.list", null, None)).AsArray();
        Assert.DoesNotContain(tasks, t => (string)t!["state"]! is "running" or "queued" or "recovering");
        await probe.AssertSoundAsync();
        PoolProbe.AssertWithinBound([("external kill -9 mid-copy, host 2 takes over", took)], bound);
    }
}
