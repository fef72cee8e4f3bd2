using Sanpool.Core;

namespace Sanpool.Leases.Tests;

public class PaxosLeaseTests
{
    [Theory]
    [InlineData(512, 1)]
    [InlineData(4096, 1)]
    [InlineData(4096, 8)]
    public async Task Acquire_release_and_lver_grows_by_one_per_acquire(int sectorSize, int alignMiB)
    {
        await using var f = new LeaseFixture(sectorSize, alignMiB * LeaseGeometry.MiB);
        await f.InitAsync();
        var a = await f.JoinAsync(1);
        var b = await f.JoinAsync(2);

        var held = await PaxosLease.AcquireAsync(f.Res, a, "RES", LeaseFixture.Fast(), default);
        Assert.Equal(1UL, held.Lver);
        var onDisk = await PaxosLease.ReadLeaderAsync(f.Res, "LS", "RES", 1, default);
        Assert.Equal((1UL, a.Generation, 1UL), (onDisk.OwnerId, onDisk.OwnerGeneration, onDisk.Lver));

        await PaxosLease.ReleaseAsync(held, a, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, default);
        var released = await PaxosLease.ReadLeaderAsync(f.Res, "LS", "RES", 1, default);
        Assert.True(released.IsFree);
        Assert.Equal((1UL, 1UL), (released.OwnerId, released.Lver));

        var byB = await PaxosLease.AcquireAsync(f.Res, b, "RES", LeaseFixture.Fast(), default);
        Assert.Equal(2UL, byB.Lver);
        Assert.Equal(2UL, byB.Leader.OwnerId);
    }

    [Fact]
    public async Task A_live_owner_is_never_displaced()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var a = await f.JoinAsync(1);
        var b = await f.JoinAsync(2);
        await PaxosLease.AcquireAsync(f.Res, a, "RES", LeaseFixture.Fast(), default);
        for (int i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<SanpoolException>(() => PaxosLease.AcquireAsync(f.Res, b, "RES", LeaseFixture.Fast(), default));
            Assert.Equal(LeaseErrors.AcquireIdLive, e.Code);
        }

        Assert.Equal(1UL, (await PaxosLease.ReadLeaderAsync(f.Res, "LS", "RES", 1, default)).OwnerId);
    }

    [Fact]
    public async Task A_dead_owners_lease_is_taken_only_after_host_dead()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var a = await f.JoinAsync(1);
        var b = await f.JoinAsync(2);
        await PaxosLease.AcquireAsync(f.Res, a, "RES", LeaseFixture.Fast(), default);
        await a.DisposeAsync(); // host 1 crashes: no more renewals
        var lastRenewal = await DeltaLease.ReadAsync(f.Ids(), "LS", 1, default);
        ulong crashedAt = b.Clock.Seconds;

        // Right after the crash host 2 may still have seen host 1 renew on its last look: a
        // quick IDLIVE, as sanlock gives. A client retries; one attempt then waits host_dead out.
        HeldResource held;
        while (true)
        {
            try
            {
                held = await PaxosLease.AcquireAsync(f.Res, b, "RES", LeaseFixture.Fast(), default);
                break;
            }
            catch (SanpoolException e) when (e.Code == LeaseErrors.AcquireIdLive && b.Clock.Seconds - crashedAt < 8)
            {
                await Task.Delay(500);
            }
        }

        ulong waited = b.Clock.Seconds - crashedAt;
        // host_dead = 8 io + watchdog = 12 s after host 1's last renewal (which was up to 2 s before the crash)
        Assert.InRange(waited, 10UL, 16UL);
        Assert.Equal((2UL, 2UL), (held.Leader.OwnerId, held.Lver));
        Assert.True(lastRenewal.Timestamp > 0);
    }

    [Fact]
    public async Task Owner_that_released_its_host_id_is_gone_at_once()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var a = await f.JoinAsync(1);
        var b = await f.JoinAsync(2);
        await PaxosLease.AcquireAsync(f.Res, a, "RES", LeaseFixture.Fast(), default);
        await a.LeaveAsync(default);
        var held = await PaxosLease.AcquireAsync(f.Res, b, "RES", LeaseFixture.Fast(), default).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2UL, held.Leader.OwnerId);
    }

    [Fact]
    public async Task Shared_holders_coexist_and_block_an_exclusive_acquire()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var a = await f.JoinAsync(1);
        var b = await f.JoinAsync(2);
        var c = await f.JoinAsync(3);
        var sa = await PaxosLease.AcquireAsync(f.Res, a, "RES", LeaseFixture.Fast(shared: true), default);
        var sb = await PaxosLease.AcquireAsync(f.Res, b, "RES", LeaseFixture.Fast(shared: true), default);
        Assert.True(sa.Shared && sb.Shared);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => PaxosLease.AcquireAsync(f.Res, c, "RES", LeaseFixture.Fast(), default));
        Assert.Equal(LeaseErrors.Busy, e.Code);

        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        await PaxosLease.ReleaseAsync(sa, a, log, default);
        await Assert.ThrowsAsync<SanpoolException>(() => PaxosLease.AcquireAsync(f.Res, c, "RES", LeaseFixture.Fast(), default));
        await PaxosLease.ReleaseAsync(sb, b, log, default);
        var ex = await PaxosLease.AcquireAsync(f.Res, c, "RES", LeaseFixture.Fast(), default);
        Assert.False(ex.Shared);
        Assert.Equal(3UL, ex.Leader.OwnerId);
    }

    [Fact]
    public async Task Contending_hosts_never_hold_at_once_and_lver_counts_every_acquire()
    {
        await using var f = new LeaseFixture();
        await f.InitAsync();
        var hosts = new List<Lockspace>();
        for (int id = 1; id <= 4; id++)
        {
            hosts.Add(await f.JoinAsync(id));
        }

        int holders = 0, maxHolders = 0, acquires = 0;
        var log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        async Task Run(Lockspace ls)
        {
            while (DateTime.UtcNow < deadline && Volatile.Read(ref acquires) < 200)
            {
                HeldResource held;
                try
                {
                    held = await PaxosLease.AcquireAsync(f.Res, ls, "RES", LeaseFixture.Fast(), default);
                }
                catch (SanpoolException e) when (e.Code == LeaseErrors.AcquireIdLive || e.Code == LeaseErrors.AcquireOwned || e.Code == LeaseErrors.AcquireOther)
                {
                    await Task.Delay(Random.Shared.Next(5));
                    continue;
                }

                int now = Interlocked.Increment(ref holders);
                InterlockedMax(ref maxHolders, now);
                Interlocked.Increment(ref acquires);
                Assert.Equal((ulong)Volatile.Read(ref acquires), held.Lver);
                await Task.Delay(1);
                Interlocked.Decrement(ref holders);
                await PaxosLease.ReleaseAsync(held, ls, log, default);
            }
        }

        await Task.WhenAll(hosts.Select(h => Task.Run(() => Run(h))));
        Assert.Equal(1, maxHolders);
        Assert.True(acquires >= 50, $"only {acquires} acquires in 20 s");
        Assert.Equal((ulong)acquires, (await PaxosLease.ReadLeaderAsync(f.Res, "LS", "RES", 1, default)).Lver);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
