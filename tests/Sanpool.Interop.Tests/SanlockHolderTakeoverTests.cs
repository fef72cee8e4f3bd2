using System.Text;
using Sanpool.Interop.Tests.Support;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Interop.Tests;

/// <summary>
/// The real sanlock daemon holds a resource; Sanpool's daemon, another host in the same
/// lockspace, must not take it while sanlock's host lives, and must take it once that host has
/// been dead for host_dead after its last renewal, not earlier, and not much later. About 75 s.
/// </summary>
public sealed class SanlockHolderTakeoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_resource_held_by_sanlock_is_refused_to_sanpool_while_sanlock_lives_and_taken_only_after_host_dead()
    {
        var takeover = new Takeover(output);
        using var dir = new TempDir("interop-takeover");
        await using var target = await LeaseTarget.CreateAsync(dir, Takeover.Geometry);
        await Takeover.InitAsync(target);

        await using var sanlock = await SanlockDaemon.StartAsync("hostA");
        await sanlock.AddLockspaceAsync(target.Lockspace("LS", 1), Takeover.Io);
        var theirs = await sanlock.StartCommandAsync(target.Resource("LS", "RES"), "/bin/sleep", "600");
        Assert.True((await new HolderRun(theirs, "sleep", new StringBuilder()).WaitAsync(TimeSpan.FromSeconds(30))).Held,
            $"sanlock could not acquire:\n{sanlock.Log}");

        await using var ours = await LeasedProcess.StartAsync(dir, "hostB");
        await ours.AddLockspaceAsync(target.Lockspace("LS", 2), Takeover.Io);
        var refused = await SanpoolCli.RunAsync(ours.CommandArgs(target.Resource("LS", "RES"), "/bin/sleep", "600"));
        Assert.True(refused.ExitCode != 0, "sanpool acquired a resource the live sanlock host holds");
        Assert.Contains("ACQUIRE_IDLIVE (-243)", refused.StandardError, StringComparison.Ordinal);

        // sanlock's host dies: kill -9 the daemon (no watchdog here, so its holder is killed too).
        using (var daemon = System.Diagnostics.Process.GetProcessById(sanlock.Pid))
        {
            await Signals.KillNowAsync(daemon);
        }

        await Signals.KillNowAsync(theirs);
        double killedAt = Takeover.Now;
        ulong lastRenewal = await Takeover.LastRenewalAsync(target, hostId: 1);
        output.WriteLine($"sanlock killed at {killedAt:0.000}; host 1's last renewal at {lastRenewal} (monotonic s)");

        try
        {
            var (at, attempts) = await takeover.AcquireUntilHeldAsync(
                () => Task.FromResult(ours.StartCommand(target.Resource("LS", "RES"), "/bin/sleep", "600")),
                TimeSpan.FromSeconds(Takeover.HostDead + 40));
            takeover.AssertTakeoverTime(lastRenewal, at, attempts);
        }
        finally
        {
            output.WriteLine(ours.Log);
        }

        var leader = LeaderFields.Parse(await SanlockCli.DirectAsync("read_leader", "-r", target.Resource("LS", "RES")));
        Assert.Equal(("2", "2"), (leader["owner_id"], leader["lver"]));
    }
}
