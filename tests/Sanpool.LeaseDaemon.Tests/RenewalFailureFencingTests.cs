using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Tests.Support;
using Sanpool.Leases;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.LeaseDaemon.Tests;

/// <summary>
/// When the host id can no longer be renewed, holders are killed between id_renewal_fail
/// (8 io after the last renewal) and host_dead (8 io + 60), when other hosts may take their
/// leases; and the daemon does not release those leases: they expire with the host id.
/// </summary>
public sealed class RenewalFailureFencingTests(ITestOutputHelper output) : IDisposable
{
    private static readonly LeaseTimeouts Io1 = new(1);
    private readonly TempDir _dir = new("leased-renew");

    [Fact]
    public async Task Failing_writes_get_the_holder_SIGTERMed_after_id_renewal_fail_and_its_lease_is_left_on_disk()
    {
        var (exitedAfter, holder) = await RunAsync(new Fault(FaultKind.Fail, BlockOps.Write), "/bin/sleep", "600");

        Assert.Equal(128 + Posix.SIGTERM, holder);
        Assert.InRange(exitedAfter.TotalSeconds, Io1.IdRenewalFail.TotalSeconds - 0.05, Io1.IdRenewalFail.TotalSeconds + 3);
    }

    [Fact]
    public async Task Hung_storage_and_a_holder_ignoring_SIGTERM_get_SIGKILL_after_the_grace_still_before_host_dead()
    {
        var (exitedAfter, holder) = await RunAsync(new Fault(FaultKind.Hang, BlockOps.Any), "/bin/sh", "-c", "trap '' TERM; exec sleep 600");

        Assert.Equal(128 + Posix.SIGKILL, holder);
        double killAt = (Io1.IdRenewalFail + Io1.KillGrace).TotalSeconds;
        Assert.InRange(exitedAfter.TotalSeconds, killAt - 0.05, killAt + 3);
        Assert.True(exitedAfter < Io1.HostDead);
    }

    /// <summary>
    /// Joins with the lockspace's device behind a fault injector, starts a holder, injects the
    /// fault, and returns how long after the last successful renewal the holder died, and its
    /// exit code. Checks on the way that the lease stays on disk as it was.
    /// </summary>
    private async Task<(TimeSpan ExitedAfterLastRenewal, int ExitCode)> RunAsync(Fault fault, string program, params string[] args)
    {
        var area = await LeaseArea.CreateAsync(_dir);
        FaultyBlockDevice? ids = null;
        IBlockDevice Open(string path) => path == area.IdsPath ? ids = new FaultyBlockDevice(DirectBlockDevice.Open(path)) : DirectBlockDevice.Open(path);
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output, o => o with { Opener = Open });
        await host.JoinAsync(area, 1);
        await using var observer = await host.ConnectAsync();
        await using var holder = HolderProcess.Command(host.RunDir, [area.Resource(0)], program, args);
        await holder.WaitHoldingAsync(observer);
        var held = await area.ReadLeaderAsync(0);

        using var injected = ids!.Inject(fault);
        var lastRenewal = await WatchUntilExitAsync(observer, holder);

        var exitedAfter = holder.ExitedAt!.Value - TimeSpan.FromSeconds(lastRenewal);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"last renewal at {lastRenewal} s; holder gone {exitedAfter.TotalSeconds:0.00} s later (exit {holder.ExitCode}); " +
            $"id_renewal_fail {Io1.IdRenewalFail.TotalSeconds} s, kill grace {Io1.KillGrace.TotalSeconds} s, host_dead {Io1.HostDead.TotalSeconds} s"));
        Assert.Equal(held, await area.ReadLeaderAsync(0)); // not released: same owner, lver and timestamp
        await Poll.UntilAsync(async () => (await observer.StatusAsync(CancellationToken.None)).Lockspaces.Count == 0,
            TimeSpan.FromSeconds(5), "the failed lockspace to be dropped once its holder is gone");
        return (exitedAfter, holder.ExitCode);
    }

    /// <summary>Polls status until the holder exits; returns the lockspace's last successful renewal (monotonic seconds).</summary>
    private static async Task<ulong> WatchUntilExitAsync(Client.LeaseDaemonClient observer, HolderProcess holder)
    {
        ulong lastRenewal = 0;
        var deadline = MonotonicClock.System.Now + TimeSpan.FromSeconds(40);
        while (!holder.HasExited && MonotonicClock.System.Now < deadline)
        {
            var status = await observer.StatusAsync(CancellationToken.None);
            if (status.Lockspaces.SingleOrDefault() is LockspaceInfo ls)
            {
                lastRenewal = ls.LastRenewal;
            }

            await Task.Delay(100);
        }

        await holder.WaitForExitAsync(TimeSpan.FromSeconds(5));
        Assert.NotEqual(0UL, lastRenewal);
        return lastRenewal;
    }

    public void Dispose() => _dir.Dispose();
}
