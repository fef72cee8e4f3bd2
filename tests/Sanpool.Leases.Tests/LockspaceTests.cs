using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Leases.Tests;

public class LockspaceTests
{
    [Theory]
    [InlineData(512, 1)]
    [InlineData(4096, 1)]
    [InlineData(4096, 2)]
    public async Task Joining_writes_our_record_and_renewal_keeps_changing_its_timestamp(int sectorSize, int alignMiB)
    {
        await using var f = new LeaseFixture(sectorSize, alignMiB * LeaseGeometry.MiB);
        await f.InitAsync();
        var ls = await f.JoinAsync(3, "hostC");
        var first = await DeltaLease.ReadAsync(f.Ids(), "LS", 3, default);
        Assert.Equal((3UL, 1UL, "hostC"), (first.OwnerId, first.OwnerGeneration, first.ResourceName));
        // Renewal is due 2 io after the last success, counted in whole seconds as sanlock does,
        // so one period is 2 to 3 s; allow two periods under load.
        var later = first;
        for (var deadline = DateTime.UtcNow.AddSeconds(6.5); later.Timestamp == first.Timestamp && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(250);
            later = await DeltaLease.ReadAsync(f.Ids(), "LS", 3, default);
        }

        Assert.True(later.Timestamp > first.Timestamp, $"timestamp {later.Timestamp} did not advance from {first.Timestamp}");
        Assert.True(ls.IsValid);
        await ls.LeaveAsync(default);
        Assert.True((await DeltaLease.ReadAsync(f.Ids(), "LS", 3, default)).IsFree);
    }

    [Fact]
    public async Task Same_host_name_reacquires_fast_with_a_new_generation()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var crashed = await f.JoinAsync(1, "hostA");
        await crashed.DisposeAsync(); // stops renewing, no release: a crash
        var start = DateTime.UtcNow;
        var again = await f.JoinAsync(1, "hostA");
        Assert.Equal(2UL, again.Generation);
        Assert.True(DateTime.UtcNow - start < TimeSpan.FromSeconds(5), "fast re-acquire waited for the large delay");
    }

    [Fact]
    public async Task Another_host_name_cannot_take_a_live_host_id()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        await f.JoinAsync(1, "hostA");
        var e = await Assert.ThrowsAsync<SanpoolException>(() => f.JoinAsync(1, "hostB"));
        Assert.Equal(LeaseErrors.HostIdBusy, e.Code);
    }

    [Fact]
    public async Task Other_hosts_are_seen_live_then_fail_then_dead_by_the_formulas()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var a = await f.JoinAsync(1);
        var b = await f.JoinAsync(2);
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        Assert.Equal(HostState.Live, a.StateOf(2));
        await b.DisposeAsync(); // b stops renewing
        ulong stopped = a.Clock.Seconds;
        HostState last = HostState.Live;
        var seen = new List<(HostState State, ulong At)>();
        while (a.Clock.Seconds - stopped < 16)
        {
            await Task.Delay(250);
            var s = a.StateOf(2);
            if (s != last)
            {
                seen.Add((s, a.Clock.Seconds - stopped));
                last = s;
            }
        }

        Assert.Equal([HostState.Fail, HostState.Dead], seen.Select(x => x.State));
        // fail after 8 io (+ up to one renewal period of observation lag), dead after 8 io + watchdog
        Assert.InRange(seen[0].At, 6UL, 11UL);
        Assert.InRange(seen[1].At, 10UL, 15UL);
    }

    [Fact]
    public async Task Failing_renewal_fails_the_lockspace_at_id_renewal_fail_and_not_before()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var faulty = new FaultyBlockDevice(f.Disk.Open());
        var ls = await f.JoinAsync(1, device: faulty);
        var failedAt = new TaskCompletionSource<ulong>();
        ls.Failed += (l, _) => failedAt.TrySetResult(l.Clock.Seconds);
        ulong lastGood = ls.LastSuccess;
        using var fault = faulty.Inject(new Fault(FaultKind.Fail, BlockOps.Write));
        ulong at = await failedAt.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.InRange(at - lastGood, 8UL, 10UL);
        Assert.True(ls.Lost.IsCancellationRequested);
        Assert.False(ls.IsValid);
    }

    [Fact]
    public async Task Hung_storage_fails_the_lockspace_too()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var faulty = new FaultyBlockDevice(f.Disk.Open());
        var ls = await f.JoinAsync(1, device: faulty);
        var failed = new TaskCompletionSource();
        ls.Failed += (_, _) => failed.TrySetResult();
        using var fault = faulty.Inject(new Fault(FaultKind.Hang));
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(ls.IsValid);
    }

    [Fact]
    public async Task Overwritten_record_fails_the_lockspace_at_the_next_renewal()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var ls = await f.JoinAsync(1, "hostA");
        var failed = new TaskCompletionSource<string>();
        ls.Failed += (_, why) => failed.TrySetResult(why);
        // Keep overwriting: a single write can land between a renewal's read and its write and be
        // clobbered by it (the renewal then finds its own record again), in sanlock as here.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!failed.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            var current = await DeltaLease.ReadAsync(f.Ids(), "LS", 1, default);
            await DeltaLease.WriteAsync(f.Ids(), 1, current with { ResourceName = "intruder", OwnerGeneration = 9 }, default);
            await Task.WhenAny(failed.Task, Task.Delay(300));
        }

        var reason = await failed.Task.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Contains("RENEW_DIFF", reason, StringComparison.Ordinal);
    }
}
