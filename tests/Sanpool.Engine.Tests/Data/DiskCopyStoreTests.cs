using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// The transactions of disk copies and moves, on SQLite and PostgreSQL: a begin locks the source
/// and writes the job, its subjects and (for a copy) the new disk LOCKED together, or nothing at
/// all when the disk's VM runs or another job holds it; a move's end maps every volume to the
/// target and unlocks it in one step.
/// </summary>
[Collection(OnePostgresServer.Name)]
public sealed class DiskCopyStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task A_copy_begins_with_the_source_and_the_new_disk_locked_and_a_second_action_is_refused_naming_it(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db);
        var target = Sample.Domain("sd2");
        await db.Pools.InsertDomainAsync(target, None);
        var copy = Sample.Disk("copy");
        var volume = Sample.BaseImage(copy.DiskId, null) with { ImageStatus = ImageStatus.LOCKED };
        var (job, steps) = NewJob("CopyDisk", 1);

        await db.DiskJobs.BeginCopyAsync(job, steps[0], vm.DiskId, copy, volume, target.Id, None);

        Assert.Equal([ImageStatus.LOCKED], (await db.Images.ListByDiskAsync(vm.DiskId, None)).Select(i => i.ImageStatus));
        Assert.Equal([(volume.ImageGuid, ImageStatus.LOCKED)], (await db.Images.ListByDiskAsync(copy.DiskId, None)).Select(i => (i.ImageGuid, i.ImageStatus)));
        Assert.Equal([target.Id], (await db.Images.ListDomainsAsync(volume.ImageGuid, None)).Select(m => m.StorageDomainId));
        (Guid, string)[] subjects = [(vm.DiskId, DiskJobStore.SourceDisk), (copy.DiskId, DiskJobStore.NewDisk), (target.Id, DiskJobStore.TargetDomain)];
        Assert.Equal(subjects.Order(), (await db.Jobs.ListSubjectsAsync(job.JobId, None)).Select(s => (s.EntityId, s.EntityType)).Order());

        // A move of the same disk: refused naming the copy's job, and nothing of it written.
        string counts = await CountsAsync(db);
        var (move, moveSteps) = NewJob("MoveDisk", 2);
        var locked = await Assert.ThrowsAsync<SanpoolException>(() => db.DiskJobs.BeginMoveAsync(move, moveSteps, vm.DiskId, target.Id, None));
        Assert.Equal(EngineErrors.DiskLocked, locked.Code);
        Assert.Contains(job.JobId.ToString(), locked.Message, StringComparison.Ordinal);
        Assert.Equal(counts, await CountsAsync(db));
        Assert.Null(await db.Jobs.GetJobAsync(move.JobId, None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_disk_of_a_running_vm_is_refused_naming_the_vm_and_its_host_and_nothing_is_written(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db, "RunningVM");
        var host = Sample.Host("host7");
        await db.Hosts.InsertAsync(host, None);
        await db.Vms.SetStatusAsync(vm.VmId, VmStatus.Up, host.VdsId, null, None);
        var target = Sample.Domain("sd2");
        await db.Pools.InsertDomainAsync(target, None);
        string counts = await CountsAsync(db);

        var (copyJob, copySteps) = NewJob("CopyDisk", 1);
        var copy = Sample.Disk("copy");
        var copyVolume = Sample.BaseImage(copy.DiskId, null) with { ImageStatus = ImageStatus.LOCKED };
        var (moveJob, moveSteps) = NewJob("MoveDisk", 2);
        var refusals = new[]
        {
            await Assert.ThrowsAsync<SanpoolException>(() => db.DiskJobs.BeginCopyAsync(copyJob, copySteps[0], vm.DiskId, copy, copyVolume, target.Id, None)),
            await Assert.ThrowsAsync<SanpoolException>(() => db.DiskJobs.BeginMoveAsync(moveJob, moveSteps, vm.DiskId, target.Id, None)),
        };

        Assert.All(refusals, e =>
        {
            Assert.Equal(EngineErrors.VmIsRunning, e.Code);
            Assert.Contains("RunningVM", e.Message, StringComparison.Ordinal);
            Assert.Contains("host7", e.Message, StringComparison.Ordinal);
        });
        Assert.Equal(counts, await CountsAsync(db));
        Assert.Equal([ImageStatus.OK], (await db.Images.ListByDiskAsync(vm.DiskId, None)).Select(i => i.ImageStatus));
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => db.DiskJobs.BeginMoveAsync(moveJob, moveSteps, Guid.NewGuid(), target.Id, None));
        Assert.Equal(EngineErrors.DiskNotFound, missing.Code);
        Assert.Equal(counts, await CountsAsync(db));
    }

    [Theory]
    [BothDatabases]
    public async Task A_move_ends_with_every_volume_on_the_target_and_unlocked_in_one_step(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var source = Sample.Domain("sd1");
        var target = Sample.Domain("sd2");
        await db.Pools.InsertDomainAsync(source, None);
        await db.Pools.InsertDomainAsync(target, None);
        var disk = Sample.Disk();
        var baseVolume = Sample.BaseImage(disk.DiskId, null) with { Active = false, VolumeClassification = VolumeClassification.Snapshot };
        var leaf = Sample.BaseImage(disk.DiskId, null) with { ParentId = baseVolume.ImageGuid, VolumeType = VolumeType.Sparse, VolumeFormat = VolumeFormat.COW, SequenceNumber = 2 };
        await db.Disks.InsertAsync(disk, [baseVolume, leaf], source.Id, None);
        var other = Sample.Disk("other");
        var otherVolume = Sample.BaseImage(other.DiskId, null);
        await db.Disks.InsertAsync(other, [otherVolume], source.Id, None);
        var (job, steps) = NewJob("MoveDisk", 2);
        await db.DiskJobs.BeginMoveAsync(job, steps, disk.DiskId, target.Id, None);
        Assert.All(await db.Images.ListByDiskAsync(disk.DiskId, None), i => Assert.Equal(ImageStatus.LOCKED, i.ImageStatus));

        await db.DiskJobs.EndMoveAsync(disk.DiskId, source.Id, target.Id, [baseVolume.ImageGuid, leaf.ImageGuid], ImageStatus.OK, None);

        var rows = await db.Images.ListByDiskAsync(disk.DiskId, None);
        Assert.Equal([(baseVolume.ImageGuid, ImageStatus.OK, false), (leaf.ImageGuid, ImageStatus.OK, true)], rows.Select(i => (i.ImageGuid, i.ImageStatus, i.Active)));
        foreach (var row in rows)
        {
            Assert.Equal([target.Id], (await db.Images.ListDomainsAsync(row.ImageGuid, None)).Select(m => m.StorageDomainId));
        }

        // Another disk on the source is not touched.
        Assert.Equal([source.Id], (await db.Images.ListDomainsAsync(otherVolume.ImageGuid, None)).Select(m => m.StorageDomainId));
        Assert.Equal(1, await db.Disks.CountOnDomainAsync(target.Id, None));
        Assert.Equal(1, await db.Disks.CountOnDomainAsync(source.Id, None));
    }

    private static (Job Job, IReadOnlyList<Step> Steps) NewJob(string action, int steps)
    {
        var job = new Job(Guid.NewGuid(), action, action, JobExecutionStatus.STARTED, null, true, Sample.T0, null, Sample.T0, "corr", false, true);
        return (job, [.. Enumerable.Range(1, steps).Select(n =>
            new Step(Guid.NewGuid(), null, job.JobId, n == 1 ? StepType.COPY_IMAGE : StepType.REMOVING_IMAGE, action, n, JobExecutionStatus.STARTED, 0, Sample.T0, null, "corr", null, null))]);
    }

    private static Task<string> CountsAsync(EngineDatabase db) =>
        db.ReadAsync(
            async s =>
            {
                var counts = new List<string>();
                foreach (string table in new[] { "job", "step", "job_subject_entity", "base_disks", "images", "image_storage_domain_map", "disk_image_dynamic" })
                {
                    counts.Add($"{table}={await s.ScalarAsync<long>("SELECT COUNT(*) FROM " + table, null, None)}");
                }

                counts.Add($"locked={await s.ScalarAsync<long>("SELECT COUNT(*) FROM images WHERE imagestatus = 2", null, None)}");
                return string.Join(' ', counts);
            },
            None);
}
