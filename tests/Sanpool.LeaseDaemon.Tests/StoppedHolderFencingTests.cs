using System.Globalization;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Client;
using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Tests.Support;
using Sanpool.Leases;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.LeaseDaemon.Tests;

/// <summary>
/// A frozen holder (SIGSTOP, or silent past its heartbeat) is killed, and only once it is dead
/// is its lease released: another host never gets the lease while the holder could still wake.
/// </summary>
public sealed class StoppedHolderFencingTests(ITestOutputHelper output) : IDisposable
{
    private const int SIGSTOP = 19;
    private readonly TempDir _dir = new("leased-stop");

    [Fact]
    public async Task A_stopped_holder_is_killed_before_another_host_acquires_its_resource()
    {
        var area = await LeaseArea.CreateAsync(_dir);
        await using var hostA = await DaemonHost.StartAsync(_dir, "hostA", output);
        await using var hostB = await DaemonHost.StartAsync(_dir, "hostB", output);
        await Task.WhenAll(hostA.JoinAsync(area, 1), hostB.JoinAsync(area, 2));
        await using var observer = await hostA.ConnectAsync();
        await using var holder = HolderProcess.Command(hostA.RunDir, [area.Resource(0)], "/bin/sleep", "600");
        await holder.WaitHoldingAsync(observer);
        await using var b = await hostB.ConnectAsync();
        await b.RegisterAsync(null, CancellationToken.None);
        var live = await Assert.ThrowsAsync<SanpoolException>(() => TryAcquireAsync(b, area));
        Assert.Contains(live.Code, new[] { LeaseErrors.AcquireIdLive, LeaseErrors.AcquireOwned });

        var frozenAt = MonotonicClock.System.Now;
        holder.Signal(SIGSTOP);
        TimeSpan? acquiredAt = null;
        while (acquiredAt is null && MonotonicClock.System.Now - frozenAt < TimeSpan.FromSeconds(30))
        {
            try
            {
                await TryAcquireAsync(b, area);
                acquiredAt = MonotonicClock.System.Now;
            }
            catch (SanpoolException e) when (e.Code == LeaseErrors.AcquireIdLive || e.Code == LeaseErrors.AcquireOwned)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(acquiredAt);
        Assert.True(holder.HasExited, "host B acquired while the frozen holder was still alive");
        Assert.True(holder.ExitedAt < acquiredAt, $"holder died at {holder.ExitedAt}, host B acquired at {acquiredAt}");
        Assert.Equal(128 + Posix.SIGKILL, holder.ExitCode); // SIGTERM would not act on a stopped process
        var killedAfter = holder.ExitedAt!.Value - frozenAt;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"frozen -> killed {killedAfter.TotalSeconds:0.00} s; frozen -> acquired by host B {(acquiredAt.Value - frozenAt).TotalSeconds:0.00} s"));
        Assert.InRange(killedAfter.TotalSeconds, 2.0, 4.5); // threshold 2 x io_timeout, plus one monitor pass
        var leader = await area.ReadLeaderAsync(0);
        Assert.Equal((2UL, 2UL), (leader.OwnerId, leader.Lver));
    }

    [Fact]
    public async Task A_holder_that_stops_heartbeating_is_killed_then_its_resource_released()
    {
        var area = await LeaseArea.CreateAsync(_dir);
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        await host.JoinAsync(area, 1);
        await using var observer = await host.ConnectAsync();
        await using var holder = HolderProcess.Heartbeat(host.RunDir, area.Resource(0), intervalMs: 300, beats: 4);
        await holder.WaitHoldingAsync(observer);
        var holdingAt = MonotonicClock.System.Now;

        await holder.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(128 + Posix.SIGKILL, holder.ExitCode);
        var lived = holder.ExitedAt!.Value - holdingAt;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held -> killed {lived.TotalSeconds:0.00} s"));
        Assert.True(lived >= TimeSpan.FromSeconds((4 * 0.3) + 2), "killed while it still beat, or before the threshold"); // the beats, then 2 x io_timeout
        await Poll.UntilAsync(async () => (await area.ReadLeaderAsync(0)).Timestamp == 0, TimeSpan.FromSeconds(5), "the lease to be released");
        Assert.Empty((await observer.StatusAsync(CancellationToken.None)).Clients);
    }

    private static Task<IReadOnlyList<Protocol.ResourceInfo>> TryAcquireAsync(LeaseDaemonClient client, LeaseArea area) =>
        client.AcquireAsync([area.Resource(0)], new AcquireOptions { NoWait = true }, CancellationToken.None);

    public void Dispose() => _dir.Dispose();
}
