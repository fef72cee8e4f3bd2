using Sanpool.Core;
using Sanpool.Storage.Domains;

namespace Sanpool.Pool.Tests;

/// <summary>Pool membership on real file domains: attach and detach write both sides, the master's list last.</summary>
public sealed class PoolAdminTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_domain_whose_watchdog_margin_differs_from_the_master_s_cannot_join_the_pool()
    {
        await using var pool = await TestPool.CreateAsync();
        var extra = await pool.AddDomainAsync();
        await DomainDefaults.SetWatchdogAsync(await pool.StoreAsync(extra), 8, None);
        var master = await pool.WriterAsync(pool.Master);
        var writer = await pool.WriterAsync(extra);
        Assert.Equal(8, writer.Store.Info.WatchdogFireTimeout);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.AttachAsync(master, writer, None));
        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.Contains($"domain {extra} has a watchdog margin of 8 s (host_dead 16 s)", e.Message, StringComparison.Ordinal);
        Assert.Null((await writer.Store.ReadDomainMetadataAsync(None))["POOL_UUID"] is { Length: > 0 } p ? p : null);
    }

    [Fact]
    public async Task A_domain_attached_joins_the_masters_list_and_detached_leaves_it_with_its_pool_cleared()
    {
        await using var pool = await TestPool.CreateAsync();
        var third = Guid.NewGuid();
        await FileDomain.CreateAsync(pool.Mount, third, "third", 512, 1, None);
        var master = await pool.WriterAsync(pool.Master);
        var domain = await pool.WriterAsync(third);

        var attached = await PoolAdmin.AttachAsync(master, domain, None);
        Assert.Equal(new[] { pool.Master, pool.Second, third }.Order(), attached.Domains.Keys.Order());
        Assert.Equal(attached.Domains.Keys.Order(), PoolMetadata.From(await master.Store.ReadDomainMetadataAsync(None), pool.Master).Domains.Keys.Order());
        var info = DomainInfo.From(await domain.Store.ReadDomainMetadataAsync(None));
        Assert.Equal((pool.Pool.ToString(), PoolMetadata.RegularRole), (info.Pool, info.Role));

        var detached = await PoolAdmin.DetachAsync(master, domain, None);
        Assert.DoesNotContain(third, detached.Domains.Keys);
        Assert.DoesNotContain(third, PoolMetadata.From(await master.Store.ReadDomainMetadataAsync(None), pool.Master).Domains.Keys);
        Assert.Null(DomainInfo.From(await domain.Store.ReadDomainMetadataAsync(None)).Pool);
    }

    [Fact]
    public async Task The_master_cannot_be_detached_and_a_domain_of_another_pool_cannot_be_attached()
    {
        await using var pool = await TestPool.CreateAsync();
        var master = await pool.WriterAsync(pool.Master);
        var self = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.DetachAsync(master, master, None));
        Assert.Equal(CommonErrors.InvalidArgument, self.Code);

        await using var other = await TestPool.CreateAsync();
        var foreign = await other.WriterAsync(other.Second);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.AttachAsync(master, foreign, None));
        Assert.Equal(PoolErrors.DomainAttached, e.Code);
        Assert.Equal(2, PoolMetadata.From(await master.Store.ReadDomainMetadataAsync(None), pool.Master).Domains.Count);
        Assert.Equal(other.Pool.ToString(), DomainInfo.From(await foreign.Store.ReadDomainMetadataAsync(None)).Pool);
    }

    [Fact]
    public async Task A_detach_interrupted_after_the_masters_write_is_completed_by_running_it_again()
    {
        await using var pool = await TestPool.CreateAsync();
        var master = await pool.WriterAsync(pool.Master);
        var second = await pool.WriterAsync(pool.Second);

        // What a crash between the two writes leaves: off the master's list, still naming the pool itself.
        var md = await master.Store.ReadDomainMetadataAsync(None);
        var keys = PoolMetadata.From(md, pool.Master);
        await master.Store.WriteDomainMetadataAsync((keys with { Domains = new Dictionary<Guid, string> { [pool.Master] = PoolMetadata.Active } }).ApplyTo(md), None);

        var detached = await PoolAdmin.DetachAsync(master, second, None);
        Assert.Equal([pool.Master], detached.Domains.Keys);
        Assert.Null(DomainInfo.From(await second.Store.ReadDomainMetadataAsync(None)).Pool);

        var again = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.DetachAsync(master, second, None));
        Assert.Equal(PoolErrors.DomainNotInPool, again.Code);
    }

    [Fact]
    public async Task The_master_cannot_be_attached_to_its_own_pool_which_would_demote_it()
    {
        await using var pool = await TestPool.CreateAsync();
        var master = await pool.WriterAsync(pool.Master);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.AttachAsync(master, master, None));
        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.Equal(PoolMetadata.MasterRole, DomainInfo.From(await master.Store.ReadDomainMetadataAsync(None)).Role);
    }
}
