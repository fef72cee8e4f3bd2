using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// The lock of a disk job is a compare and set on every volume's status: of many jobs that race
/// for one disk exactly one locks it, every other is refused with the winner's id, and the
/// refused ones leave nothing behind. Settling makes the rows say what the storage says.
/// </summary>
[Collection(OnePostgresServer.Name)]
public sealed class DiskJobStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task Of_many_jobs_racing_for_one_disk_exactly_one_locks_it_and_the_others_are_refused_naming_it(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var (disk, chain) = await DiskWithChainAsync(db, 3);

        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var (job, step) = NewJob($"RemoveDisk {i}");
            try
            {
                await db.DiskJobs.BeginOnDiskAsync(job, step, disk.DiskId, None);
                return (job.JobId, (SanpoolException?)null);
            }
            catch (SanpoolException e)
            {
                return (job.JobId, e);
            }
        })).ToList();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r.Item2 is null).JobId;
        Assert.All(results.Where(r => r.Item2 is not null), r =>
        {
            Assert.Equal(EngineErrors.DiskLocked, r.Item2!.Code);
            Assert.Contains(winner.ToString(), r.Item2.Message, StringComparison.Ordinal);
        });
        Assert.All(await db.Images.ListByDiskAsync(disk.DiskId, None), i => Assert.Equal(ImageStatus.LOCKED, i.ImageStatus));
        Assert.Equal(1, await db.Jobs.CountJobsAsync(None));
        Assert.Equal([new JobSubject(winner, disk.DiskId, "Disk")], await db.Jobs.ListSubjectsAsync(winner, None));
        Assert.Equal(chain.Count, (await db.Images.ListByDiskAsync(disk.DiskId, None)).Count);
    }

    [Theory]
    [BothDatabases]
    public async Task Settling_removes_the_rows_of_volumes_gone_from_storage_makes_the_last_one_the_leaf_and_unlocks_the_rest(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var (disk, chain) = await DiskWithChainAsync(db, 3);
        var (job, step) = NewJob("RemoveDisk");
        await db.DiskJobs.BeginOnDiskAsync(job, step, disk.DiskId, None);

        // The leaf was deleted on storage: two volumes are left, still LOCKED while the job goes on.
        await db.DiskJobs.SettleAsync(disk.DiskId, [chain[0].ImageGuid, chain[1].ImageGuid], ImageStatus.LOCKED, None);
        var left = await db.Images.ListByDiskAsync(disk.DiskId, None);
        Assert.Equal([chain[0].ImageGuid, chain[1].ImageGuid], left.Select(i => i.ImageGuid));
        Assert.Equal([false, true], left.Select(i => i.Active));
        Assert.Equal([VolumeClassification.Snapshot, VolumeClassification.Volume], left.Select(i => i.VolumeClassification));
        Assert.All(left, i => Assert.Equal(ImageStatus.LOCKED, i.ImageStatus));
        Assert.Empty(await db.Images.ListDomainsAsync(chain[2].ImageGuid, None));

        // The next delete failed: the rest is OK again, and a new job may lock it.
        await db.DiskJobs.SettleAsync(disk.DiskId, [chain[0].ImageGuid, chain[1].ImageGuid], ImageStatus.OK, None);
        await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, None);
        var (again, againStep) = NewJob("RemoveDisk again");
        Assert.Equal(2, (await db.DiskJobs.BeginOnDiskAsync(again, againStep, disk.DiskId, None)).Count);

        // All gone on storage: the disk goes too.
        await db.DiskJobs.SettleAsync(disk.DiskId, [], ImageStatus.OK, None);
        Assert.Null(await db.Disks.GetAsync(disk.DiskId, None));
        Assert.Empty(await db.Images.ListByDiskAsync(disk.DiskId, None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_disk_with_an_illegal_volume_or_none_at_all_is_refused_and_nothing_is_written(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var (disk, chain) = await DiskWithChainAsync(db, 2);
        await db.Images.SetStatusAsync(chain[0].ImageGuid, ImageStatus.ILLEGAL, None);

        var (job, step) = NewJob("RemoveDisk");
        var illegal = await Assert.ThrowsAsync<SanpoolException>(() => db.DiskJobs.BeginOnDiskAsync(job, step, disk.DiskId, None));
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => db.DiskJobs.BeginOnDiskAsync(job, step, Guid.NewGuid(), None));

        Assert.Equal(EngineErrors.DiskIllegal, illegal.Code);
        Assert.Equal(EngineErrors.DiskNotFound, missing.Code);
        Assert.Equal(0, await db.Jobs.CountJobsAsync(None));
        Assert.Equal([ImageStatus.ILLEGAL, ImageStatus.OK], (await db.Images.ListByDiskAsync(disk.DiskId, None)).Select(i => i.ImageStatus));
    }

    private static (Job Job, Step Step) NewJob(string description)
    {
        var job = new Job(Guid.NewGuid(), "RemoveDisk", description, JobExecutionStatus.STARTED, null, true, Sample.T0, null, Sample.T0, "corr", false, true);
        var step = new Step(Guid.NewGuid(), null, job.JobId, StepType.REMOVING_IMAGE, description, 1, JobExecutionStatus.STARTED, 0, Sample.T0, null, "corr", null, null);
        return (job, step);
    }

    /// <summary>A disk of <paramref name="volumes"/> volumes (base first) on a new domain.</summary>
    private static async Task<(BaseDisk Disk, IReadOnlyList<Image> Chain)> DiskWithChainAsync(EngineDatabase db, int volumes)
    {
        var domain = Sample.Domain();
        await db.Pools.InsertDomainAsync(domain, None);
        var disk = Sample.Disk();
        var chain = new List<Image>();
        for (int i = 0; i < volumes; i++)
        {
            var image = Sample.BaseImage(disk.DiskId, null) with
            {
                ParentId = i == 0 ? Guid.Empty : chain[i - 1].ImageGuid,
                Active = i == volumes - 1,
                VolumeClassification = i == volumes - 1 ? VolumeClassification.Volume : VolumeClassification.Snapshot,
                SequenceNumber = i + 1,
            };
            chain.Add(image);
        }

        await db.Disks.InsertAsync(disk, chain, domain.Id, None);
        return (disk, chain);
    }
}
