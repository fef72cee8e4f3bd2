using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>The stores' SQL for hosts, domains' disks, counts and events since an id, on both databases.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class HostViewStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task A_host_joins_its_pool_with_its_own_host_id_and_a_taken_id_address_or_name_writes_nothing(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);
        var hosts = test.Database.Hosts;
        var host = Sample.Host("host1", pool.Id);
        var first = new VdsDynamic(host.VdsId, VdsStatus.Up, null, SpmStatus.SPM, Sample.T0, null);
        await hosts.AddToPoolAsync(host, 7, first, None);

        var view = await hosts.GetViewAsync(host.VdsId, None);
        Assert.Equal(new VdsView(host, first, 7), view);
        Assert.Equal([new VdsSpmIdMap(pool.Id, 7, host.VdsId)], await hosts.ListSpmIdsAsync(pool.Id, None));

        var sameId = await Assert.ThrowsAsync<SanpoolException>(() => hosts.AddToPoolAsync(Sample.Host("host2", pool.Id), 7, first, None));
        Assert.Equal(EngineErrors.HostIdExists, sameId.Code);
        Assert.Contains("'host1'", sameId.Message, StringComparison.Ordinal);
        var sameAddress = await Assert.ThrowsAsync<SanpoolException>(
            () => hosts.AddToPoolAsync(Sample.Host("host3", pool.Id) with { AgentAddress = host.AgentAddress }, 8, first, None));
        Assert.Equal(EngineErrors.HostAddressExists, sameAddress.Code);
        var sameName = await Assert.ThrowsAsync<SanpoolException>(() => hosts.AddToPoolAsync(Sample.Host("host1", pool.Id) with { AgentAddress = "/x.sock" }, 9, first, None));
        Assert.Equal(EngineErrors.HostNameExists, sameName.Code);
        Assert.Equal(1, await hosts.CountAsync(None));

        var other = Sample.Host("host0", pool.Id);
        await hosts.AddToPoolAsync(other, 2, first with { SpmStatus = SpmStatus.None }, None);
        Assert.Equal(["host0", "host1"], (await hosts.ListViewsAsync(Page.First(), None)).Select(v => v.Static.VdsName));
        Assert.Equal(["host1"], (await hosts.ListViewsAsync(new Page(1, 1), None)).Select(v => v.Static.VdsName));
        Assert.Equal([2, 7], (await hosts.ListAllViewsAsync(None)).Select(v => v.SpmId));

        Assert.True(await hosts.RemoveAsync(other.VdsId, None));
        Assert.False(await hosts.RemoveAsync(other.VdsId, None));
        Assert.Null(await hosts.GetViewAsync(other.VdsId, None));
        Assert.Equal([new VdsSpmIdMap(pool.Id, 7, host.VdsId)], await hosts.ListSpmIdsAsync(pool.Id, None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_poll_is_recorded_only_over_the_status_it_read(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);
        var hosts = test.Database.Hosts;
        var host = Sample.Host("host1", pool.Id);
        await hosts.AddToPoolAsync(host, 1, new VdsDynamic(host.VdsId, VdsStatus.Up, null, SpmStatus.None, null, null), None);
        var seen = Sample.T0.AddSeconds(5);

        Assert.True(await hosts.RecordPollAsync(host.VdsId, VdsStatus.Up, VdsStatus.NonOperational, "cannot read sd1", SpmStatus.Contending, seen, None));
        Assert.False(await hosts.RecordPollAsync(host.VdsId, VdsStatus.Up, VdsStatus.Maintenance, null, SpmStatus.None, seen, None));

        Assert.Equal(
            new VdsDynamic(host.VdsId, VdsStatus.NonOperational, "cannot read sd1", SpmStatus.Contending, seen, test.Clock.Now),
            await hosts.GetDynamicAsync(host.VdsId, None));
    }

    [Theory]
    [BothDatabases]
    public async Task Disks_are_listed_and_counted_by_the_domain_their_volumes_are_on_and_domains_by_their_data_center(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var pool = Sample.Pool();
        var (sd1, sd2) = (Sample.Domain("sd1"), Sample.Domain("sd2"));
        await db.Pools.InsertPoolAsync(pool, None);
        await db.Pools.InsertDomainAsync(sd1, None);
        await db.Pools.InsertDomainAsync(sd2, None);
        await db.Pools.AttachDomainAsync(new StoragePoolIsoMap(sd1.Id, pool.Id, StorageDomainStatus.Active), None);
        foreach (string alias in new[] { "b", "a" })
        {
            var disk = Sample.Disk(alias);
            await db.Disks.InsertAsync(disk, [Sample.BaseImage(disk.DiskId, null)], sd1.Id, None);
        }

        Assert.Equal(["a", "b"], (await db.Disks.ListOnDomainAsync(sd1.Id, Page.First(), None)).Select(d => d.DiskAlias));
        Assert.Equal(["b"], (await db.Disks.ListOnDomainAsync(sd1.Id, new Page(5, 1), None)).Select(d => d.DiskAlias));
        Assert.Equal(2, await db.Disks.CountOnDomainAsync(sd1.Id, None));
        Assert.Empty(await db.Disks.ListOnDomainAsync(sd2.Id, Page.First(), None));
        Assert.Equal(0, await db.Disks.CountOnDomainAsync(sd2.Id, None));
        Assert.Equal((2L, 1L, 2L), (await db.Disks.CountAsync(None), await db.Pools.CountPoolsAsync(None), await db.Pools.CountDomainsAsync(None)));
        Assert.Equal([new StoragePoolIsoMap(sd1.Id, pool.Id, StorageDomainStatus.Active)], await db.Pools.ListAttachmentsAsync(sd1.Id, None));
        Assert.Empty(await db.Pools.ListAttachmentsAsync(sd2.Id, None));
    }

    [Theory]
    [BothDatabases]
    public async Task Events_since_an_id_are_paged_in_id_order_and_counted(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var log = test.Database.AuditLog;
        var ids = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await log.AppendAsync(new AuditLog(0, Sample.T0, 1100, "HOST_ADDED", AuditLogSeverity.NORMAL, $"event {i}"), None));
        }

        Assert.Equal(ids.Skip(3), (await log.ListSinceAsync(ids[0], new Page(2, 2), None)).Select(e => e.AuditLogId));
        Assert.Equal(4, await log.CountSinceAsync(ids[0], None));
        Assert.Equal(5, await log.CountSinceAsync(0, None));
    }
}
