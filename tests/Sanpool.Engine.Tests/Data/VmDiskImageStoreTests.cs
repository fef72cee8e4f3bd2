using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>VMs, disks, volumes and snapshots read back equal on both databases, and lists page in a stable order.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class VmDiskImageStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task VMs_their_run_state_and_their_disks_read_back_equal(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var host = Sample.Host("host1");
        await db.Hosts.InsertAsync(host, None);
        var vm = Sample.Vm("vm1");
        var template = Sample.Vm("tpl") with { EntityType = VmEntityType.TEMPLATE, Description = null, UpdateDate = Sample.T0.AddDays(1) };
        Guid active = Guid.NewGuid();
        await db.Vms.InsertAsync(vm with { VmtGuid = template.VmGuid }, active, None);
        await db.Vms.InsertAsync(template, Guid.NewGuid(), None);

        Assert.Equal(vm with { VmtGuid = template.VmGuid }, await db.Vms.GetAsync(vm.VmGuid, None));
        Assert.Equal(template, await db.Vms.GetAsync(template.VmGuid, None));
        Assert.Equal(new VmDynamic(vm.VmGuid, VmStatus.Down, null, null), await db.Vms.GetDynamicAsync(vm.VmGuid, None));
        Assert.Equal(
            new Snapshot(active, vm.VmGuid, SnapshotType.ACTIVE, SnapshotStatus.OK, "Active VM", vm.CreationDate, null),
            await db.Snapshots.GetActiveAsync(vm.VmGuid, None));

        await db.Vms.SetStatusAsync(vm.VmGuid, VmStatus.Paused, host.VdsId, "ENOSPC", None);
        Assert.Equal(new VmDynamic(vm.VmGuid, VmStatus.Paused, host.VdsId, "ENOSPC"), await db.Vms.GetDynamicAsync(vm.VmGuid, None));
        await db.Vms.UpdateAsync(vm with { VmName = "vm1-renamed", MemSizeMb = 4096 }, None);
        Assert.Equal(
            vm with { VmName = "vm1-renamed", MemSizeMb = 4096, VmtGuid = template.VmGuid, UpdateDate = test.Clock.Now },
            await db.Vms.GetAsync(vm.VmGuid, None));

        var boot = Sample.Disk("boot");
        var data = Sample.Disk("data") with { DiskDescription = null, Shareable = true, WipeAfterDelete = false };
        var domain = Sample.Domain();
        await db.Pools.InsertDomainAsync(domain, None);
        await db.Disks.InsertAsync(boot, [Sample.BaseImage(boot.DiskId, null)], domain.Id, None);
        await db.Disks.InsertAsync(data, [Sample.BaseImage(data.DiskId, null)], domain.Id, None);
        await db.Vms.AttachDiskAsync(new DiskVmElement(data.DiskId, vm.VmGuid, false, DiskInterface.VirtIO_SCSI), None);
        await db.Vms.AttachDiskAsync(new DiskVmElement(boot.DiskId, vm.VmGuid, true, DiskInterface.VirtIO), None);

        Assert.Equal(
            [new DiskVmElement(boot.DiskId, vm.VmGuid, true, DiskInterface.VirtIO), new DiskVmElement(data.DiskId, vm.VmGuid, false, DiskInterface.VirtIO_SCSI)],
            await db.Vms.ListDisksAsync(vm.VmGuid, None));
        Assert.Equal(boot, await db.Disks.GetAsync(boot.DiskId, None));
        Assert.Equal(data, await db.Disks.GetAsync(data.DiskId, None));
        Assert.All(await db.Images.ListBySnapshotAsync(active, None), i => Assert.Contains(i.ImageGroupId, new[] { boot.DiskId, data.DiskId }));
        Assert.Equal(2, (await db.Images.ListBySnapshotAsync(active, None)).Count);
    }

    [Theory]
    [BothDatabases]
    public async Task A_disk_s_chain_its_domains_and_its_figures_read_back_equal(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var domain = Sample.Domain();
        await db.Pools.InsertDomainAsync(domain, None);
        var disk = Sample.Disk();
        var template = Guid.NewGuid();
        var baseImage = Sample.BaseImage(disk.DiskId, null) with { ItGuid = template, Active = false, VolumeClassification = VolumeClassification.Snapshot, LastModified = null };
        var leaf = baseImage with
        {
            ImageGuid = Guid.NewGuid(), ParentId = baseImage.ImageGuid, VolumeType = VolumeType.Sparse, VolumeFormat = VolumeFormat.COW,
            Active = true, VolumeClassification = VolumeClassification.Volume, SequenceNumber = 2, Size = 5L << 40, LastModified = Sample.T0.AddSeconds(1),
        };
        await db.Disks.InsertAsync(disk, [baseImage], domain.Id, None);
        await db.Images.InsertChainAsync([leaf], domain.Id, None);

        Assert.Equal([baseImage, leaf], await db.Images.ListByDiskAsync(disk.DiskId, None));
        Assert.Equal([new ImageStorageDomainMap(leaf.ImageGuid, domain.Id)], await db.Images.ListDomainsAsync(leaf.ImageGuid, None));

        var figures = new DiskImageDynamic(leaf.ImageGuid, 123_456_789_012, 1_000_000, 2_000_000, 0.25, 0.5, 0.125, null);
        await db.Images.UpdateDynamicAsync(figures, None);
        Assert.Equal(figures with { UpdateDate = test.Clock.Now }, await db.Images.GetDynamicAsync(leaf.ImageGuid, None));

        await db.Images.SetStatusAsync(leaf.ImageGuid, ImageStatus.ILLEGAL, None);
        Assert.Equal([leaf with { ImageStatus = ImageStatus.ILLEGAL, LastModified = test.Clock.Now }], await db.Images.ListByStatusAsync(ImageStatus.ILLEGAL, None));

        await db.Images.SetActiveAsync(baseImage.ImageGuid, true, None);
        var chain = await db.Images.ListByDiskAsync(disk.DiskId, None);
        Assert.Equal([(true, VolumeClassification.Volume), (false, VolumeClassification.Snapshot)], chain.Select(i => (i.Active, i.VolumeClassification)));

        await db.Disks.UpdateAsync(disk with { DiskAlias = "renamed", Shareable = true }, None);
        Assert.Equal(disk with { DiskAlias = "renamed", Shareable = true }, await db.Disks.GetAsync(disk.DiskId, None));

        await db.Disks.RemoveAsync(disk.DiskId, None);
        Assert.Null(await db.Disks.GetAsync(disk.DiskId, None));
        Assert.Empty(await db.Images.ListByDiskAsync(disk.DiskId, None));
        Assert.Null(await db.Images.GetDynamicAsync(leaf.ImageGuid, None));
        var gone = await Assert.ThrowsAsync<SanpoolException>(() => db.Disks.RemoveAsync(disk.DiskId, None));
        Assert.Equal(EngineErrors.NotFound, gone.Code);
    }

    [Theory]
    [BothDatabases]
    public async Task A_volume_of_a_disk_that_does_not_exist_is_refused_with_DB_CONSTRAINT(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var domain = Sample.Domain();
        await test.Database.Pools.InsertDomainAsync(domain, None);

        var e = await Assert.ThrowsAsync<SanpoolException>(
            () => test.Database.Images.InsertChainAsync([Sample.BaseImage(Guid.NewGuid(), null)], domain.Id, None));

        Assert.Equal(EngineErrors.DbConstraint, e.Code);
    }

    [Theory]
    [BothDatabases]
    public async Task Pages_of_a_list_are_stable_and_together_make_the_whole_list_once(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var domain = Sample.Domain();
        await test.Database.Pools.InsertDomainAsync(domain, None);
        // Few aliases for many disks: the order must not depend on the alias alone.
        var disks = Enumerable.Range(0, 23).Select(i => Sample.Disk($"alias{i % 3}")).ToList();
        foreach (var disk in disks)
        {
            await test.Database.Disks.InsertAsync(disk, [Sample.BaseImage(disk.DiskId, null)], domain.Id, None);
        }

        var paged = new List<BaseDisk>();
        for (int offset = 0; offset < 30; offset += 5)
        {
            var page = await test.Database.Disks.ListAsync(new Page(5, offset), None);
            Assert.Equal(page, await test.Database.Disks.ListAsync(new Page(5, offset), None));
            paged.AddRange(page);
        }

        var expected = disks.OrderBy(d => d.DiskAlias, StringComparer.Ordinal).ThenBy(d => d.DiskId.ToString("D")).ToList();
        Assert.Equal(expected, paged);
        Assert.Throws<SanpoolException>(() => new Page(0));
        Assert.Throws<SanpoolException>(() => new Page(10, -1));
    }
}
