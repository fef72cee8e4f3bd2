using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// Seed 003 in the database: three snapshots of TestVM through Begin/EndVmSnapshotAsync, and
/// the seed's query, verbatim, returns the seed's four rows on both databases.
/// </summary>
[Collection(OnePostgresServer.Name)]
public sealed class Seed003Tests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task Three_snapshots_of_TestVM_give_the_seed_s_four_rows(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db);
        var taken = new List<VmSnapshotStarted>();
        foreach (string name in new[] { "volumechain1", "volumechain2", "volumechain3" })
        {
            test.Clock.Advance(TimeSpan.FromMinutes(1));
            var started = await db.Snapshots.BeginVmSnapshotAsync(vm.VmId, name, new Dictionary<Guid, Guid> { [vm.DiskId] = Guid.NewGuid() }, None);
            await db.Snapshots.EndVmSnapshotAsync(vm.VmId, started.SnapshotId, succeeded: true, None);
            taken.Add(started);
        }

        var rows = await Seed003.RunAsync(db, None);

        Assert.Equal(4, rows.Count);
        var by = rows.ToDictionary(r => r.Description);
        Assert.Equal(["Active VM", "volumechain1", "volumechain2", "volumechain3"], by.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(vm.BaseImage, by["volumechain1"].ImageGuid);
        Assert.Equal(Guid.Empty, by["volumechain1"].ParentId);
        Assert.Equal(by["volumechain1"].ImageGuid, by["volumechain2"].ParentId);
        Assert.Equal(by["volumechain2"].ImageGuid, by["volumechain3"].ParentId);
        Assert.Equal(by["volumechain3"].ImageGuid, by["Active VM"].ParentId);
        Assert.All(rows, r =>
        {
            Assert.Equal("TestVM", r.VmName);
            Assert.Equal(SnapshotStatus.OK, r.Status);
            Assert.Equal(ImageStatus.OK, r.ImageStatus);
            Assert.Equal(vm.DiskId, r.ImageGroupId);
        });

        // The engine's id rotation: the first snapshot has the VM's first ACTIVE id, each next
        // one the ACTIVE id the previous one made, and the ACTIVE row has the newest id.
        Assert.Equal(vm.FirstActiveId, taken[0].SnapshotId);
        Assert.Equal(taken[0].ActiveSnapshotId, taken[1].SnapshotId);
        Assert.Equal(taken[1].ActiveSnapshotId, taken[2].SnapshotId);
        var active = await db.Snapshots.GetActiveAsync(vm.VmId, None);
        Assert.Equal(taken[2].ActiveSnapshotId, active!.SnapshotId);
        Assert.Equal(Sample.T0, active.CreationDate);

        var chain = await db.Images.ListByDiskAsync(vm.DiskId, None);
        Assert.Equal([1, 2, 3, 4], chain.Select(i => i.SequenceNumber));
        Assert.Equal([false, false, false, true], chain.Select(i => i.Active));
        Assert.Equal(
            [VolumeClassification.Snapshot, VolumeClassification.Snapshot, VolumeClassification.Snapshot, VolumeClassification.Volume],
            chain.Select(i => i.VolumeClassification));
        Assert.Equal(by["Active VM"].ImageGuid, chain[3].ImageGuid);
        Assert.Equal(active.SnapshotId, chain[3].VmSnapshotId);
        Assert.All(chain.Skip(1), i => Assert.Equal((VolumeType.Sparse, VolumeFormat.COW, 1L << 30), (i.VolumeType, i.VolumeFormat, i.Size)));
        foreach (var image in chain)
        {
            Assert.Equal([new ImageStorageDomainMap(image.ImageGuid, vm.DomainId)], await db.Images.ListDomainsAsync(image.ImageGuid, None));
        }

        var snapshots = await db.Snapshots.ListByVmAsync(vm.VmId, None);
        Assert.Equal(["Active VM", "volumechain1", "volumechain2", "volumechain3"], snapshots.Select(s => s.Description));
        Assert.Equal([SnapshotType.ACTIVE, SnapshotType.REGULAR, SnapshotType.REGULAR, SnapshotType.REGULAR], snapshots.Select(s => s.SnapshotType));
    }

    [Theory]
    [BothDatabases]
    public async Task While_a_snapshot_is_taken_its_rows_are_LOCKED_and_a_second_snapshot_is_refused(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db);
        Guid leaf = Guid.NewGuid();

        var started = await db.Snapshots.BeginVmSnapshotAsync(vm.VmId, "volumechain1", new Dictionary<Guid, Guid> { [vm.DiskId] = leaf }, None);

        Assert.Equal([new VmSnapshotLeaf(vm.DiskId, vm.BaseImage, leaf)], started.Leaves);
        var rows = await Seed003.RunAsync(db, None);
        Assert.Equal(ImageStatus.LOCKED, rows.Single(r => r.Description == "volumechain1").ImageStatus);
        Assert.Equal(SnapshotStatus.LOCKED, rows.Single(r => r.Description == "volumechain1").Status);
        Assert.Equal(ImageStatus.LOCKED, rows.Single(r => r.Description == "Active VM").ImageStatus);
        var again = await Assert.ThrowsAsync<SanpoolException>(
            () => db.Snapshots.BeginVmSnapshotAsync(vm.VmId, "volumechain2", new Dictionary<Guid, Guid> { [vm.DiskId] = Guid.NewGuid() }, None));
        Assert.Equal(EngineErrors.Conflict, again.Code);

        // Ended from another engine instance with the ids alone, as after a restart.
        await test.Open().Snapshots.EndVmSnapshotAsync(vm.VmId, started.SnapshotId, succeeded: true, None);
        Assert.All(await Seed003.RunAsync(db, None), r => Assert.Equal((SnapshotStatus.OK, ImageStatus.OK), (r.Status, r.ImageStatus)));
        var ended = await Assert.ThrowsAsync<SanpoolException>(() => db.Snapshots.EndVmSnapshotAsync(vm.VmId, started.SnapshotId, succeeded: true, None));
        Assert.Equal(EngineErrors.Conflict, ended.Code);
    }

    [Theory]
    [BothDatabases]
    public async Task Of_two_snapshots_begun_at_once_by_two_engines_one_is_taken_and_the_other_refused(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var vm = await TestVm.CreateAsync(test.Database);
        var engines = new[] { test.Open(), test.Open() };

        var attempts = await Task.WhenAll(engines.Select((engine, i) => Task.Run(async () =>
        {
            try
            {
                return (Started: await engine.Snapshots.BeginVmSnapshotAsync(
                    vm.VmId, $"at once {i}", new Dictionary<Guid, Guid> { [vm.DiskId] = Guid.NewGuid() }, None), Error: (SanpoolException?)null);
            }
            catch (SanpoolException e)
            {
                return (Started: (VmSnapshotStarted?)null, Error: e);
            }
        })));

        var taken = Assert.Single(attempts, a => a.Started is not null);
        var refused = Assert.Single(attempts, a => a.Error is not null);
        Assert.Equal(EngineErrors.Conflict, refused.Error!.Code);
        await test.Database.Snapshots.EndVmSnapshotAsync(vm.VmId, taken.Started!.SnapshotId, succeeded: true, None);
        var rows = await Seed003.RunAsync(test.Database, None);
        Assert.Equal(2, rows.Count);
        Assert.Equal(vm.BaseImage, rows.Single(r => r.Description != "Active VM").ImageGuid);
    }

    [Theory]
    [BothDatabases]
    public async Task A_failed_snapshot_rolled_back_leaves_every_row_as_before(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db);
        var first = await db.Snapshots.BeginVmSnapshotAsync(vm.VmId, "volumechain1", new Dictionary<Guid, Guid> { [vm.DiskId] = Guid.NewGuid() }, None);
        await db.Snapshots.EndVmSnapshotAsync(vm.VmId, first.SnapshotId, succeeded: true, None);
        var before = await SnapshotOfRowsAsync(db, vm);
        test.Clock.Advance(TimeSpan.FromMinutes(5));

        Guid leaf = Guid.NewGuid();
        var failed = await db.Snapshots.BeginVmSnapshotAsync(vm.VmId, "volumechain2", new Dictionary<Guid, Guid> { [vm.DiskId] = leaf }, None);
        await db.Snapshots.EndVmSnapshotAsync(vm.VmId, failed.SnapshotId, succeeded: false, None);

        var after = await SnapshotOfRowsAsync(db, vm);
        Assert.Equal(before.Images, after.Images);
        Assert.Equal(before.Snapshots, after.Snapshots);
        Assert.Equal(before.Rows, after.Rows);
        Assert.Null(await db.Images.GetAsync(leaf, None));
        Assert.Null(await db.Images.GetDynamicAsync(leaf, None));
        Assert.Empty(await db.Images.ListDomainsAsync(leaf, None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_snapshot_must_take_every_disk_of_the_VM_and_no_other(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db);
        var rowsBefore = await Seed003.RunAsync(db, None);

        var e = await Assert.ThrowsAsync<SanpoolException>(
            () => db.Snapshots.BeginVmSnapshotAsync(vm.VmId, "wrong disk", new Dictionary<Guid, Guid> { [Guid.NewGuid()] = Guid.NewGuid() }, None));

        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.Equal(rowsBefore, await Seed003.RunAsync(db, None));
    }

    [Theory]
    [BothDatabases]
    public async Task Values_with_SQL_in_them_are_stored_verbatim_and_harm_nothing(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        const string Evil = "x'); DROP TABLE images;--";
        const string EvilToo = "\"; DELETE FROM snapshots; SELECT '";
        var vm = await TestVm.CreateAsync(db, Evil);
        var started = await db.Snapshots.BeginVmSnapshotAsync(vm.VmId, EvilToo, new Dictionary<Guid, Guid> { [vm.DiskId] = Guid.NewGuid() }, None);
        await db.Snapshots.EndVmSnapshotAsync(vm.VmId, started.SnapshotId, succeeded: true, None);
        await db.Users.CreateUserAsync(new EngineUser(Guid.NewGuid(), Evil, EvilToo, EngineRole.ReadOnly, Sample.T0), None);

        Assert.Equal(Evil, (await db.Vms.GetAsync(vm.VmId, None))!.VmName);
        Assert.Equal(EvilToo, (await db.Snapshots.GetAsync(started.SnapshotId, None))!.Description);
        Assert.Equal(EvilToo, (await db.Users.FindUserByNameAsync(Evil, None))!.PasswordHash);
        Assert.Null(await db.Users.FindUserByNameAsync("' OR '1'='1", None));
        var rows = await Seed003.RunAsync(db, None);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(Evil, r.VmName));
        Assert.Equal(2, (await db.Images.ListByDiskAsync(vm.DiskId, None)).Count);
    }

    private static async Task<(List<Image> Images, List<Snapshot> Snapshots, List<Seed003Row> Rows)> SnapshotOfRowsAsync(EngineDatabase db, TestVm vm)
    {
        var none = CancellationToken.None;
        var images = (await db.Images.ListByDiskAsync(vm.DiskId, none)).ToList();
        var snapshots = (await db.Snapshots.ListByVmAsync(vm.VmId, none)).ToList();
        var rows = (await Seed003.RunAsync(db, none)).OrderBy(r => r.ImageGuid).ToList();
        return (images, snapshots, rows);
    }
}
