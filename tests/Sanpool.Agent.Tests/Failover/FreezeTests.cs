using System.Diagnostics;
using System.Globalization;
using Sanpool.Agent.Tests.Pools;
using Sanpool.Core;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// SIGSTOP of the SPM agent for longer than its lease lasts: another host takes the role once
/// host_dead has passed, and when the old SPM is let go again (SIGCONT) it must write nothing:
/// the metadata areas read the same before and after it wakes, and it ends Free or dead.
/// Once with the old SPM idle, once in the middle of a copy (its task must stay as the new SPM
/// settled it: the old one's lease check stops every write it would still make).
/// </summary>
public sealed class FreezeTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private const long CopySize = 2 * GiB;
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>How long the old SPM is watched after SIGCONT: its role watch ticks each second, a fence takes KillGrace (4 io).</summary>
    private static readonly TimeSpan AfterWake = TimeSpan.FromSeconds(12);

    [Fact]
    public async Task A_frozen_SPM_is_replaced_and_once_thawed_writes_nothing_idle_or_mid_copy()
    {
        await using var test = await TestPool.CreateAsync(output, tune: TestPool.RealWatchdog);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var bound = PoolProbe.TakeoverBound(pool.Options, out var hostDead);
        var takeovers = new List<(string What, TimeSpan Took)>();

        pool.Start(1);
        Assert.Equal(1, (await probe.WaitSpmAsync(TimeSpan.FromSeconds(90), null, Stopwatch.StartNew())).Spm);
        pool.Start(2);
        pool.Start(3);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        await probe.WaitConnectedAsync(3, TimeSpan.FromSeconds(60));
        await probe.PauseAsync(3);
        var (copyImage, _) = await probe.CreateImageAsync(1, 1, CopySize, "raw");

        // Idle: host 1 frozen, host 2 takes over.
        takeovers.Add(("SIGSTOP of the idle SPM, host 2 takes over", await FreezeAndReplaceAsync(probe, frozen: 1, next: 2, hostDead, "idle")));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await probe.FingerprintAsync();
        await ThawAsync(probe, 1);
        var after = await probe.FingerprintAsync();
        PoolProbe.AssertSameMetadata(before, after, "host 1, frozen while idle, woke up");
        await probe.AssertSoundAsync();

        // Mid-copy: host 2 frozen while it copies, host 3 takes over and settles the copy's task.
        if (pool.Running.Contains(1))
        {
            await probe.PauseAsync(1);
        }

        string copyTask = await probe.SubmitAsync(2, "image.copy", new()
        {
            ["domain"] = pool.Domains[1].ToString(),
            ["image"] = copyImage,
            ["target_domain"] = pool.Domains[0].ToString(),
        });
        double seen = await probe.MidwayAsync(2, copyTask);
        probe.Say(string.Create(CultureInfo.InvariantCulture, $"copy at {seen} %"));
        takeovers.Add(("SIGSTOP of the SPM mid-copy, host 3 takes over", await FreezeAndReplaceAsync(probe, frozen: 2, next: 3, hostDead, "mid-copy")));
        var settled = await probe.WaitTaskAsync(3, copyTask, TimeSpan.FromSeconds(60));
        Assert.Equal("recovered", (string)settled["state"]!);
        await Task.Delay(TimeSpan.FromSeconds(3));
        before = await probe.FingerprintAsync();
        await ThawAsync(probe, 2);
        after = await probe.FingerprintAsync();
        PoolProbe.AssertSameMetadata(before, after, "host 2, frozen mid-copy, woke up");
        var record = await probe.TaskAsync(3, copyTask);
        Assert.Equal("recovered", (string)record["state"]!);
        Assert.Equal(settled.ToJsonString(), record.ToJsonString());
        Assert.Empty(await probe.ChainAsync(0, copyImage));
        await probe.AssertSoundAsync();

        // The new SPM serves.
        await probe.CreateImageAsync(3, 0, GiB, "cow");
        await probe.AssertSoundAsync();
        PoolProbe.AssertWithinBound(takeovers, bound);
    }

    internal static async Task<TimeSpan> FreezeAndReplaceAsync(PoolProbe probe, int frozen, int next, TimeSpan hostDead, string when)
    {
        var pool = probe.Pool;
        pool.Signal(frozen, Signals.SIGSTOP);
        var clock = Stopwatch.StartNew();
        await probe.UnpauseAsync(next);
        var (spm, took) = await probe.WaitSpmAsync(PoolProbe.TakeoverPatience(pool.Options), [next], clock);
        Assert.Equal(next, spm);
        probe.Say($"MEASURED failover after SIGSTOP of SPM host {frozen} ({when}): host {next} is SPM {took.TotalSeconds:0.0} s later " +
                  $"(host_dead {hostDead.TotalSeconds:0} s)");
        // The frozen host renewed at most 2 io before the stop: nobody may take its lease sooner than host_dead after that.
        Assert.True(took >= hostDead - TimeSpan.FromSeconds(4), $"host {next} became SPM {took.TotalSeconds:0.0} s after the freeze, before host_dead");
        return took;
    }

    /// <summary>SIGCONT, then watch: never two SPMs, and the old one ends Free or killed.</summary>
    internal static async Task ThawAsync(PoolProbe probe, int host)
    {
        var pool = probe.Pool;
        pool.Signal(host, Signals.SIGCONT);
        probe.Say($"host {host} sent SIGCONT");
        await probe.WatchOneSpmAsync(AfterWake);
        if (pool.Running.Contains(host))
        {
            var status = await pool.InvokeAsync(host, "spm.status", null, None);
            probe.Say($"host {host} after waking: {status.ToJsonString()}");
            Assert.Equal("Free", (string)status["state"]!);
        }
        else
        {
            probe.Say($"host {host} after waking: its agent is gone (fenced itself)");
        }
    }
}
