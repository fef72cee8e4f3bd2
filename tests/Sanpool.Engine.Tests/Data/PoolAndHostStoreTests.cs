using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>Data centers, domains, hosts and host ids: rows read back equal on both databases, and host ids are allocated as the engine does.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class PoolAndHostStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task Pools_read_back_equal_and_updates_stamp_the_update_date(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pools = test.Database.Pools;
        var pool = Sample.Pool();
        var bare = Sample.Pool("dc2") with { Description = null, SpmVdsId = null, UpdateDate = null };
        await pools.InsertPoolAsync(pool, None);
        await pools.InsertPoolAsync(bare, None);

        Assert.Equal(pool, await pools.GetPoolAsync(pool.Id, None));
        Assert.Equal(bare, await pools.GetPoolAsync(bare.Id, None));
        Assert.Null(await pools.GetPoolAsync(Guid.NewGuid(), None));

        var changed = pool with { Name = "renamed", Status = StoragePoolStatus.Contend, MasterDomainVersion = 4, SpmVdsId = null };
        await pools.UpdatePoolAsync(changed, None);
        Assert.Equal(changed with { UpdateDate = test.Clock.Now }, await pools.GetPoolAsync(pool.Id, None));

        await pools.SetPoolStatusAsync(bare.Id, StoragePoolStatus.NonResponsive, None);
        Guid spm = Guid.NewGuid();
        await pools.SetSpmAsync(bare.Id, spm, None);
        Assert.Equal(bare with { Status = StoragePoolStatus.NonResponsive, SpmVdsId = spm, UpdateDate = test.Clock.Now }, await pools.GetPoolAsync(bare.Id, None));

        Assert.Equal(["dc2", "renamed"], (await pools.ListPoolsAsync(Page.First(), None)).Select(p => p.Name));
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => pools.SetPoolStatusAsync(Guid.NewGuid(), StoragePoolStatus.Up, None));
        Assert.Equal(EngineErrors.NotFound, missing.Code);
        var duplicate = await Assert.ThrowsAsync<SanpoolException>(() => pools.InsertPoolAsync(Sample.Pool("dc2"), None));
        Assert.Equal(EngineErrors.Conflict, duplicate.Code);
    }

    [Theory]
    [BothDatabases]
    public async Task Domains_their_sizes_and_their_status_in_a_data_center_read_back_equal(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pools = test.Database.Pools;
        var pool = Sample.Pool();
        var domain = Sample.Domain();
        await pools.InsertPoolAsync(pool, None);
        await pools.InsertDomainAsync(domain, None);

        Assert.Equal(domain, await pools.GetDomainAsync(domain.Id, None));
        Assert.Equal(new StorageDomainDynamic(domain.Id, null, null, null), await pools.GetDomainDynamicAsync(domain.Id, None));

        var changed = domain with { StorageName = "sd-renamed", StorageDomainType = StorageDomainType.Master, WipeAfterDelete = false, DiscardAfterDelete = true };
        await pools.UpdateDomainAsync(changed, None);
        Assert.Equal(changed with { UpdateDate = test.Clock.Now }, await pools.GetDomainAsync(domain.Id, None));

        await pools.UpdateDomainDynamicAsync(domain.Id, 95, 5, None);
        Assert.Equal(new StorageDomainDynamic(domain.Id, 95, 5, test.Clock.Now), await pools.GetDomainDynamicAsync(domain.Id, None));

        await pools.AttachDomainAsync(new StoragePoolIsoMap(domain.Id, pool.Id, StorageDomainStatus.Activating), None);
        await pools.SetDomainStatusAsync(domain.Id, pool.Id, StorageDomainStatus.Active, None);
        Assert.Equal([new StoragePoolIsoMap(domain.Id, pool.Id, StorageDomainStatus.Active)], await pools.ListIsoMapAsync(pool.Id, None));
        var twice = await Assert.ThrowsAsync<SanpoolException>(() => pools.AttachDomainAsync(new StoragePoolIsoMap(domain.Id, pool.Id, StorageDomainStatus.Active), None));
        Assert.Equal(EngineErrors.Conflict, twice.Code);

        await pools.DetachDomainAsync(domain.Id, pool.Id, None);
        Assert.Empty(await pools.ListIsoMapAsync(pool.Id, None));
        Assert.Equal([changed with { UpdateDate = test.Clock.Now }], await pools.ListDomainsAsync(Page.First(), None));
    }

    [Theory]
    [BothDatabases]
    public async Task Hosts_and_their_polled_status_read_back_equal(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);
        var hosts = test.Database.Hosts;
        var host = Sample.Host("host1", pool.Id) with { AgentAddress = "10.0.0.1:7799", AgentToken = "secret-token", VdsSpmPriority = VdsStatic.NeverSpm };
        var bare = Sample.Host("host2");
        await hosts.InsertAsync(host, None);
        await hosts.InsertAsync(bare, None);

        Assert.Equal(host, await hosts.GetAsync(host.VdsId, None));
        Assert.Equal(bare, await hosts.GetAsync(bare.VdsId, None));
        Assert.Equal(new VdsDynamic(host.VdsId, VdsStatus.Unassigned, null, SpmStatus.None, null, null), await hosts.GetDynamicAsync(host.VdsId, None));

        var seen = Sample.T0.AddSeconds(30);
        await hosts.SetStatusAsync(host.VdsId, VdsStatus.NonOperational, "cannot read domain sd1", seen, None);
        await hosts.SetSpmStatusAsync(host.VdsId, SpmStatus.SPM, None);
        Assert.Equal(
            new VdsDynamic(host.VdsId, VdsStatus.NonOperational, "cannot read domain sd1", SpmStatus.SPM, seen, test.Clock.Now),
            await hosts.GetDynamicAsync(host.VdsId, None));

        var moved = bare with { StoragePoolId = pool.Id, VdsSpmPriority = 10, AgentToken = "t" };
        await hosts.UpdateAsync(moved, None);
        Assert.Equal(moved with { UpdateDate = test.Clock.Now }, await hosts.GetAsync(bare.VdsId, None));
        Assert.Equal(["host1", "host2"], (await hosts.ListAsync(Page.First(), None)).Select(h => h.VdsName));
    }

    [Theory]
    [BothDatabases]
    public async Task Host_ids_are_the_lowest_free_from_1_and_a_host_keeps_its_own(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);
        var hosts = test.Database.Hosts;
        var h = new List<Guid>();
        for (int i = 0; i < 4; i++)
        {
            var host = Sample.Host($"host{i}", pool.Id);
            await hosts.InsertAsync(host, None);
            h.Add(host.VdsId);
        }

        Assert.Equal(1, await hosts.AllocateSpmIdAsync(pool.Id, h[0], None));
        Assert.Equal(2, await hosts.AllocateSpmIdAsync(pool.Id, h[1], None));
        Assert.Equal(3, await hosts.AllocateSpmIdAsync(pool.Id, h[2], None));
        Assert.Equal(2, await hosts.AllocateSpmIdAsync(pool.Id, h[1], None));

        Assert.True(await hosts.ReleaseSpmIdAsync(pool.Id, h[1], None));
        Assert.False(await hosts.ReleaseSpmIdAsync(pool.Id, h[1], None));
        Assert.Equal(2, await hosts.AllocateSpmIdAsync(pool.Id, h[3], None));
        Assert.Equal(
            [new VdsSpmIdMap(pool.Id, 1, h[0]), new VdsSpmIdMap(pool.Id, 2, h[3]), new VdsSpmIdMap(pool.Id, 3, h[2])],
            await hosts.ListSpmIdsAsync(pool.Id, None));

        var noPool = await Assert.ThrowsAsync<SanpoolException>(() => hosts.AllocateSpmIdAsync(Guid.NewGuid(), h[0], None));
        Assert.Equal(EngineErrors.NotFound, noPool.Code);
    }

    [Theory]
    [BothDatabases]
    public async Task Host_ids_allocated_at_once_are_all_different(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);
        var ids = new List<Guid>();
        for (int i = 0; i < 8; i++)
        {
            var host = Sample.Host($"host{i}", pool.Id);
            await test.Database.Hosts.InsertAsync(host, None);
            ids.Add(host.VdsId);
        }

        // Each through its own engine instance, as if eight engines raced.
        var engines = ids.Select(_ => test.Open()).ToList();
        var allocated = await Task.WhenAll(ids.Select((id, i) => Task.Run(() => engines[i].Hosts.AllocateSpmIdAsync(pool.Id, id, None))));

        Assert.Equal(Enumerable.Range(1, 8), allocated.Order());
    }

    [Theory]
    [BothDatabases]
    public async Task The_251st_host_of_a_pool_is_refused_a_host_id(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);
        // 250 hosts holding ids 1..250, written in one transaction to keep the test quick.
        await test.Database.TransactAsync(
            async s =>
            {
                for (int i = 1; i <= VdsSpmIdMap.MaxSpmId; i++)
                {
                    var host = Sample.Host($"host{i:D3}", pool.Id);
                    await s.ExecuteAsync(
                        "INSERT INTO vds_static (vds_id, vds_name, host_name, agent_address, vds_spm_priority, storage_pool_id, _create_date) " +
                        "VALUES (@VdsId, @VdsName, @HostName, @AgentAddress, @VdsSpmPriority, @StoragePoolId, @CreateDate)",
                        host,
                        None);
                    await s.ExecuteAsync(
                        "INSERT INTO vds_spm_id_map (storage_pool_id, vds_spm_id, vds_id) VALUES (@poolId, @i, @VdsId)",
                        new { poolId = pool.Id, i, host.VdsId },
                        None);
                }
            },
            None);
        var last = Sample.Host("host251", pool.Id);
        await test.Database.Hosts.InsertAsync(last, None);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => test.Database.Hosts.AllocateSpmIdAsync(pool.Id, last.VdsId, None));

        Assert.Equal(EngineErrors.SpmIdsExhausted, e.Code);
        Assert.Equal(VdsSpmIdMap.MaxSpmId, (await test.Database.Hosts.ListSpmIdsAsync(pool.Id, None)).Count);
    }
}
