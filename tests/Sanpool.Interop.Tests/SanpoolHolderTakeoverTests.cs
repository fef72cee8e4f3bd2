using System.Text;
using Sanpool.Interop.Tests.Support;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Interop.Tests;

/// <summary>
/// Sanpool's daemon holds a resource; the real sanlock daemon, another host in the same
/// lockspace, must not get it while Sanpool's host lives, and gets it only once that host has
/// been dead for host_dead after its last renewal. About 75 s.
/// </summary>
public sealed class SanpoolHolderTakeoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_resource_held_by_sanpool_is_refused_to_sanlock_while_sanpool_lives_and_taken_only_after_host_dead()
    {
        var takeover = new Takeover(output);
        using var dir = new TempDir("interop-takeover");
        await using var target = await LeaseTarget.CreateAsync(dir, Takeover.Geometry);
        await Takeover.InitAsync(target);

        await using var ours = await LeasedProcess.StartAsync(dir, "hostA");
        await ours.AddLockspaceAsync(target.Lockspace("LS", 1), Takeover.Io);
        var holder = ours.StartCommand(target.Resource("LS", "RES"), "/bin/sleep", "600");
        Assert.True((await holder.WaitAsync(TimeSpan.FromSeconds(30))).Held, $"sanpool could not acquire:\n{holder.Output}\n{ours.Log}");

        await using var sanlock = await SanlockDaemon.StartAsync("hostB");
        await sanlock.AddLockspaceAsync(target.Lockspace("LS", 2), Takeover.Io);
        var refused = await sanlock.StartCommandAsync(target.Resource("LS", "RES"), "/bin/sleep", "600");
        Assert.False((await new HolderRun(refused, "sleep", new StringBuilder()).WaitAsync(TimeSpan.FromSeconds(30))).Held,
            "sanlock acquired a resource the live sanpool host holds");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("-243", sanlock.Log, StringComparison.Ordinal);

        // Our host dies: kill -9 the daemon and its holder.
        await ours.KillNowAsync();
        await Signals.KillNowAsync(holder.Process);
        double killedAt = Takeover.Now;
        ulong lastRenewal = await Takeover.LastRenewalAsync(target, hostId: 1);
        output.WriteLine($"sanpool leased killed at {killedAt:0.000}; host 1's last renewal at {lastRenewal} (monotonic s)");

        try
        {
            var (at, attempts) = await takeover.AcquireUntilHeldAsync(
                async () => new HolderRun(await sanlock.StartCommandAsync(target.Resource("LS", "RES"), "/bin/sleep", "600"), "sleep", new StringBuilder()),
                TimeSpan.FromSeconds(Takeover.HostDead + 40));
            takeover.AssertTakeoverTime(lastRenewal, at, attempts);
        }
        finally
        {
            output.WriteLine(string.Join('\n', sanlock.Log.Split('\n').Where(l => !l.Contains("paxos_acquire leader", StringComparison.Ordinal))));
        }

        var leader = LeaderFields.Parse(await SanlockCli.DirectAsync("read_leader", "-r", target.Resource("LS", "RES")));
        Assert.Equal(("2", "2"), (leader["owner_id"], leader["lver"]));
    }
}
