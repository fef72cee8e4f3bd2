using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;

namespace Sanpool.Pool.Tests;

/// <summary>
/// Moving the master role on real file domains: the pool's tasks and host reports go with it
/// byte for byte, MASTER_VERSION goes up by one, the old master becomes Regular, and hosts that
/// still name the old master are told where the master went.
/// </summary>
public sealed class MasterMoveTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_move_copies_the_pools_tasks_and_host_reports_bumps_MASTER_VERSION_and_demotes_the_old_master()
    {
        await using var pool = await TestPool.CreateAsync();
        var oldStore = await pool.StoreAsync(pool.Master);
        var newStore = await pool.StoreAsync(pool.Second);
        var tasks = await MasterAreaBytes.SeedAsync(oldStore);
        await MasterAreaBytes.MarkJournalAsync(oldStore, 0xA1);
        await MasterAreaBytes.MarkJournalAsync(newStore, 0xB2);
        var oldJournal = await MasterAreaBytes.JournalAsync(oldStore);
        var newJournal = await MasterAreaBytes.JournalAsync(newStore);
        var oldWriter = await pool.WriterAsync(pool.Master);
        var newWriter = await pool.WriterAsync(pool.Second);

        var moved = await PoolAdmin.MoveMasterAsync(oldWriter, newWriter, None);

        Assert.Equal(2, moved.MasterVersion);
        Assert.Equal((long)newWriter.LeaseVersion, moved.SpmLver);
        var onNew = PoolMetadata.From(await newStore.ReadDomainMetadataAsync(None), pool.Second);
        Assert.Equal((pool.Pool, 2, "test pool"), (onNew.Pool, onNew.MasterVersion, onNew.Description));
        Assert.Equal(new[] { pool.Master, pool.Second }.Order(), onNew.Domains.Keys.Order());
        Assert.All(onNew.Domains.Values, s => Assert.Equal(PoolMetadata.Active, s));

        var oldMd = await oldStore.ReadDomainMetadataAsync(None);
        Assert.Equal((PoolMetadata.RegularRole, pool.Pool.ToString()), (oldMd[PoolMetadata.RoleKey], oldMd[PoolMetadata.PoolUuidKey]));
        Assert.All(new[] { PoolMetadata.MasterVersionKey, PoolMetadata.DomainsKey, PoolMetadata.SpmIdKey, PoolMetadata.SpmLverKey, PoolMetadata.DescriptionKey },
            key => Assert.Null(oldMd[key]));

        Assert.Equal(await MasterAreaBytes.PoolPartAsync(oldStore), await MasterAreaBytes.PoolPartAsync(newStore));
        Assert.Equal(tasks.Select(t => t.Id).Order(), (await MasterAreaBytes.TasksAsync(newStore)).Select(t => t.Id).Order());
        Assert.Equal("{\"host\":2,\"report\":\"seen\"}"u8.ToArray(), await MasterAreaBytes.HostReportAsync(newStore, 2));
        Assert.Equal(oldJournal, await MasterAreaBytes.JournalAsync(oldStore));
        Assert.Equal(newJournal, await MasterAreaBytes.JournalAsync(newStore));

        var found = await MasterLookup.FindAsync(pool.Pool, [oldStore, newStore], None);
        Assert.Equal((pool.Second, 2), (found?.Domain, found?.Pool.MasterVersion));
    }

    [Fact]
    public async Task The_master_moves_back_and_forth_with_the_version_rising_each_time_and_a_repeated_move_writes_nothing()
    {
        await using var pool = await TestPool.CreateAsync();
        var tasks = await MasterAreaBytes.SeedAsync(await pool.StoreAsync(pool.Master), 2);
        var a = await pool.WriterAsync(pool.Master);
        var b = await pool.WriterAsync(pool.Second);

        Assert.Equal(2, (await PoolAdmin.MoveMasterAsync(a, b, None)).MasterVersion);
        var bMd = await b.Store.ReadDomainMetadataAsync(None);
        var aMd = await a.Store.ReadDomainMetadataAsync(None);

        // Run again once complete: the same pool comes back and neither domain is written.
        Assert.Equal(2, (await PoolAdmin.MoveMasterAsync(a, b, None)).MasterVersion);
        Assert.Equal(bMd.ToLines(), (await b.Store.ReadDomainMetadataAsync(None)).ToLines());
        Assert.Equal(aMd.ToLines(), (await a.Store.ReadDomainMetadataAsync(None)).ToLines());

        Assert.Equal(3, (await PoolAdmin.MoveMasterAsync(b, a, None)).MasterVersion);
        Assert.Equal(3, PoolMetadata.From(await a.Store.ReadDomainMetadataAsync(None), pool.Master).MasterVersion);
        Assert.Equal(PoolMetadata.RegularRole, DomainInfo.From(await b.Store.ReadDomainMetadataAsync(None)).Role);
        Assert.Equal(tasks.Select(t => t.Id).Order(), (await MasterAreaBytes.TasksAsync(a.Store)).Select(t => t.Id).Order());
    }

    [Fact]
    public async Task A_host_that_names_the_old_master_gets_WRONG_MASTER_naming_the_new_master_and_its_version()
    {
        await using var pool = await TestPool.CreateAsync();
        var a = await pool.WriterAsync(pool.Master);
        var b = await pool.WriterAsync(pool.Second);
        await PoolAdmin.MoveMasterAsync(a, b, None);
        await pool.CloseAsync(a);
        await pool.CloseAsync(b);

        var expecting1 = await Assert.ThrowsAsync<SanpoolException>(() => ConnectAsync(pool.Options(1) with { MasterVersion = 1 }));
        Assert.Equal(PoolErrors.WrongMaster, expecting1.Code);
        Assert.Equal($"pool {pool.Pool}: domain {pool.Master} is no longer its master (MASTER_VERSION 1); the master is {pool.Second} at version 2",
            expecting1.Message);

        var any = await Assert.ThrowsAsync<SanpoolException>(() => ConnectAsync(pool.Options(1)));
        Assert.Equal(PoolErrors.WrongMaster, any.Code);
        Assert.EndsWith($"the master is {pool.Second} at version 2", any.Message, StringComparison.Ordinal);

        await using var host = await ConnectAsync(pool.Options(1) with { Master = pool.Second, MasterVersion = 2 });
        Assert.Equal(2, host.Pool.MasterVersion);
        Assert.Equal(2, host.Pool.Domains.Count);
    }

    [Fact]
    public async Task A_crash_between_the_commit_and_the_demotion_leaves_the_higher_version_in_charge_and_the_same_move_finishes_it()
    {
        await using var pool = await TestPool.CreateAsync();
        var third = await pool.AddDomainAsync();
        var a = await pool.WriterAsync(pool.Master);
        var b = await pool.WriterAsync(pool.Second);
        var c = await pool.WriterAsync(third);
        await PoolAdmin.AttachAsync(a, c, None);

        // The state a crash at master.committed leaves: both say Master, the new one at version 2.
        var poolKeys = PoolMetadata.From(await a.Store.ReadDomainMetadataAsync(None), pool.Master);
        await b.Store.WriteDomainMetadataAsync((poolKeys with { MasterVersion = 2 }).ApplyTo(await b.Store.ReadDomainMetadataAsync(None)), None);

        var found = await MasterLookup.FindAsync(pool.Pool, [a.Store, b.Store, c.Store], None);
        Assert.Equal((pool.Second, 2), (found?.Domain, found?.Pool.MasterVersion));
        var stale = await Assert.ThrowsAsync<SanpoolException>(() => ConnectAsync(pool.Options(1)));
        Assert.Equal($"pool {pool.Pool}: domain {pool.Master} is no longer its master (MASTER_VERSION 1); the master is {pool.Second} at version 2", stale.Message);

        // A move from the stale master to a third domain would make two masters at version 2: refused.
        var elsewhere = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.MoveMasterAsync(a, c, [b.Store], None));
        Assert.Equal(PoolErrors.WrongMaster, elsewhere.Code);
        Assert.Equal(PoolMetadata.RegularRole, DomainInfo.From(await c.Store.ReadDomainMetadataAsync(None)).Role);

        // The new master is in charge: tasks saved there since must survive the move being finished.
        var since = await MasterAreaBytes.SeedAsync(b.Store, 1);
        var finished = await PoolAdmin.MoveMasterAsync(a, b, None);
        Assert.Equal(2, finished.MasterVersion);
        Assert.Equal(since[0].Id, Assert.Single(await MasterAreaBytes.TasksAsync(b.Store)).Id);
        Assert.Empty(await MasterAreaBytes.TasksAsync(a.Store));
        Assert.Equal(PoolMetadata.RegularRole, DomainInfo.From(await a.Store.ReadDomainMetadataAsync(None)).Role);
        Assert.Equal(pool.Pool.ToString(), DomainInfo.From(await a.Store.ReadDomainMetadataAsync(None)).Pool);
    }

    [Fact]
    public async Task Two_claims_at_the_same_highest_version_are_refused_not_guessed_at()
    {
        await using var pool = await TestPool.CreateAsync();
        var a = await pool.WriterAsync(pool.Master);
        var b = await pool.WriterAsync(pool.Second);
        var keys = PoolMetadata.From(await a.Store.ReadDomainMetadataAsync(None), pool.Master);
        await b.Store.WriteDomainMetadataAsync(keys.ApplyTo(await b.Store.ReadDomainMetadataAsync(None)), None);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => MasterLookup.FindAsync(pool.Pool, [a.Store, b.Store], None));
        Assert.Equal(PoolErrors.WrongMaster, e.Code);
        Assert.Contains("both claim to be its master at MASTER_VERSION 1", e.Message, StringComparison.Ordinal);
        Assert.Null(await MasterLookup.FindAsync(Guid.NewGuid(), [a.Store, b.Store], None));
    }

    [Fact]
    public async Task A_move_to_the_master_itself_to_a_domain_outside_the_pool_or_to_one_not_Active_is_refused_and_writes_nothing()
    {
        await using var pool = await TestPool.CreateAsync();
        var outsider = await pool.AddDomainAsync();
        var a = await pool.WriterAsync(pool.Master);
        var b = await pool.WriterAsync(pool.Second);
        var o = await pool.WriterAsync(outsider);
        var before = await a.Store.ReadDomainMetadataAsync(None);

        var self = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.MoveMasterAsync(a, a, None));
        Assert.Equal(CommonErrors.InvalidArgument, self.Code);

        var notIn = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.MoveMasterAsync(a, o, None));
        Assert.Equal(PoolErrors.DomainNotInPool, notIn.Code);
        Assert.Contains($"domain {outsider} is not in pool {pool.Pool}", notIn.Message, StringComparison.Ordinal);
        Assert.Null(DomainInfo.From(await o.Store.ReadDomainMetadataAsync(None)).Pool);

        var keys = PoolMetadata.From(before, pool.Master);
        var attachedOnly = (keys with { Domains = new Dictionary<Guid, string> { [pool.Master] = PoolMetadata.Active, [pool.Second] = "Attached" } }).ApplyTo(before);
        await a.Store.WriteDomainMetadataAsync(attachedOnly, None);
        var inactive = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.MoveMasterAsync(a, b, None));
        Assert.Equal(PoolErrors.DomainNotActive, inactive.Code);
        Assert.Contains($"domain {pool.Second} is Attached in pool {pool.Pool}", inactive.Message, StringComparison.Ordinal);
        Assert.Equal(attachedOnly.ToLines(), (await a.Store.ReadDomainMetadataAsync(None)).ToLines());
        Assert.Equal(PoolMetadata.RegularRole, DomainInfo.From(await b.Store.ReadDomainMetadataAsync(None)).Role);

        var fromOutside = await Assert.ThrowsAsync<SanpoolException>(() => PoolAdmin.MoveMasterAsync(o, a, None));
        Assert.Equal(PoolErrors.PoolNotFound, fromOutside.Code);
    }

    private static Task<PoolHost> ConnectAsync(PoolHostOptions options) =>
        PoolHost.ConnectAsync(options, new QemuImg(), NullLogger.Instance, None);
}
