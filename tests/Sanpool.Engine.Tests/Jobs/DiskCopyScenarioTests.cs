using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// Disk copy and move between the two block domains of a pool, through the engine's API on three
/// real agents (root, loop devices, lvm, qemu-img): a copy is a new disk of one volume, a move
/// takes the chain with its snapshots across and leaves nothing on the source; the rows say what
/// the storage says after each; refusals write nothing; jobs an engine left STARTED are finished
/// by the next start with nothing left LOCKED.
/// </summary>
public sealed class DiskCopyScenarioTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_disk_with_a_snapshot_is_copied_and_moved_to_another_domain_and_refusals_change_nothing()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var (source, target) = (pool.Domains[1], pool.Domains[0]);
        var db = engine.Db;
        Guid diskId = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "moving");
        Guid vmId = await DefineVmAsync(engine, "Mover", diskId);
        using (var snapshot = await engine.Admin.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description = "before-move" }))
        {
            var action = JsonNode.Parse(await snapshot.Content.ReadAsStringAsync())!;
            Assert.True(snapshot.StatusCode == HttpStatusCode.Accepted, action.ToJsonString());
            Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, (string)action["job"]!["id"]!))["status"]!);
        }

        var chain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, diskId);
        Assert.Equal(2, chain.Count);

        // Refusals: one clear error each, nothing written.
        string before = await engine.CountsAsync();
        long jobsBefore = await db.Jobs.CountJobsAsync(None);
        await RefusedAsync(engine, $"/api/disks/{Guid.NewGuid()}/copy", new { storage_domain = new { id = target } }, HttpStatusCode.NotFound, "DISK_NOT_FOUND");
        await RefusedAsync(engine, $"/api/disks/{diskId}/copy", new { storage_domain = new { id = Guid.NewGuid() } }, HttpStatusCode.NotFound, "STORAGE_DOMAIN_NOT_FOUND");
        await RefusedAsync(engine, $"/api/disks/{diskId}/move", new { storage_domain = Guid.NewGuid().ToString() }, HttpStatusCode.NotFound, "STORAGE_DOMAIN_NOT_FOUND");
        await RefusedAsync(engine, $"/api/disks/{diskId}/move", new { storage_domain = new { id = source } }, HttpStatusCode.BadRequest, "INVALID_TARGET_DOMAIN");
        await RefusedAsync(engine, $"/api/disks/{diskId}/move", new { alias = "x" }, HttpStatusCode.BadRequest, "INVALID_DISK");
        await RefusedAsync(engine, $"/api/disks/{diskId}/copy", new { storage_domain = new { id = target }, alias = "bad\u0001" }, HttpStatusCode.BadRequest, "INVALID_DISK");
        var host = (await db.Hosts.ListAsync(new Page(10, 0), None))[0];
        await db.Vms.SetStatusAsync(vmId, VmStatus.Up, host.VdsId, null, None);
        foreach (string action in new[] { "copy", "move" })
        {
            var running = await RefusedAsync(engine, $"/api/disks/{diskId}/{action}", new { storage_domain = new { id = target } }, HttpStatusCode.Conflict, "VM_IS_RUNNING");
            Assert.Contains("Mover", (string)running["detail"]!, StringComparison.Ordinal);
            Assert.Contains(host.VdsName, (string)running["detail"]!, StringComparison.Ordinal);
        }

        await db.Vms.SetStatusAsync(vmId, VmStatus.Down, null, null, None);
        Assert.Equal(before, await engine.CountsAsync());
        Assert.Equal(jobsBefore, await db.Jobs.CountJobsAsync(None));
        Assert.All(await db.Images.ListByDiskAsync(diskId, None), i => Assert.Equal(ImageStatus.OK, i.ImageStatus));

        // A copy and a move asked at once: one job takes the disk, the other is refused naming it.
        var both = await Task.WhenAll(
            engine.Admin.PostAsJsonAsync($"/api/disks/{diskId}/copy", new { storage_domain = new { id = target }, alias = "the-copy" }),
            engine.Admin.PostAsJsonAsync($"/api/disks/{diskId}/move", new { storage_domain = new { id = target } }));
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], both.Select(r => r.StatusCode).Order());
        var winner = JsonNode.Parse(await both.Single(r => r.StatusCode == HttpStatusCode.Accepted).Content.ReadAsStringAsync())!;
        var loser = await Problem.AssertAsync(both.Single(r => r.StatusCode == HttpStatusCode.Conflict), HttpStatusCode.Conflict, "DISK_LOCKED");
        Assert.Contains((string)winner["job"]!["id"]!, (string)loser["detail"]!, StringComparison.Ordinal);
        string winnerAction = (string)winner["job"]!["action_type"]!;
        Assert.EndsWith($"/api/jobs/{(string)winner["job"]!["id"]!}", both.Single(r => r.StatusCode == HttpStatusCode.Accepted).Headers.Location!.ToString(), StringComparison.Ordinal);
        foreach (var response in both)
        {
            response.Dispose();
        }

        Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, (string)winner["job"]!["id"]!))["status"]!);
        if (winnerAction == DiskCopyJobs.MoveDiskAction)
        {
            // The move won: move the disk back, so the copy below starts from the same place.
            await AssertMovedAsync(engine, pool, diskId, chain, source, target);
            Assert.Equal("finished", (string)(await ActAsync(engine, diskId, "move", new { storage_domain = new { id = source } }))["status"]!);
            await AssertMovedAsync(engine, pool, diskId, chain, target, source);
            Assert.Equal("finished", (string)(await ActAsync(engine, diskId, "copy", new { storage_domain = new { id = target }, alias = "the-copy" }))["status"]!);
        }

        // The copy: a new disk of one volume on the target, OK, its rows the storage's chain; the source as it was.
        var copy = (await db.Disks.ListAsync(new Page(100, 0), None)).Single(d => d.DiskAlias == "the-copy");
        Assert.NotEqual(diskId, copy.DiskId);
        var copyRows = await db.Images.ListByDiskAsync(copy.DiskId, None);
        var copyChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, target, copy.DiskId);
        Assert.Single(copyChain);
        Assert.Equal(copyChain, copyRows.Select(r => r.ImageGuid));
        Assert.Equal((ImageStatus.OK, VolumeFormat.COW, GiB), (copyRows[0].ImageStatus, copyRows[0].VolumeFormat, copyRows[0].Size));
        Assert.Equal([target], (await db.Images.ListDomainsAsync(copyRows[0].ImageGuid, None)).Select(m => m.StorageDomainId));
        await AssertAgreesAsync(engine, copy.DiskId);
        Assert.Equal(chain, await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, diskId));
        Assert.All(await db.Images.ListByDiskAsync(diskId, None), i => Assert.Equal(ImageStatus.OK, i.ImageStatus));

        // The move: the same volumes, now on the target, with their snapshot rows; nothing left on the source.
        if (winnerAction == DiskCopyJobs.CopyDiskAction)
        {
            var move = await ActAsync(engine, diskId, "move", new { storage_domain = new { id = target } });
            Assert.Equal("finished", (string)move["status"]!);
            var steps = move["steps"]!.AsArray();
            Assert.Equal(["copy_image", "removing_image"], steps.Select(s => (string)s!["type"]!));
            Assert.All(steps, s => Assert.Equal(100, (int)s!["progress"]!));
            Assert.Equal(
                [nameof(EngineEventType.USER_MOVED_DISK), nameof(EngineEventType.USER_MOVED_DISK_FINISHED_SUCCESS)],
                (await DiskJobScenarioTests.EventsOfAsync(engine, Guid.Parse((string)move["id"]!))).Select(e => e.LogTypeName));
            await AssertMovedAsync(engine, pool, diskId, chain, source, target);
        }

        Assert.All(await Seed003.RunAsync(db, None), r => Assert.Equal((SnapshotStatus.OK, ImageStatus.OK), (r.Status, r.ImageStatus)));
        Assert.Equal(["Active VM", "before-move"], (await Seed003.RunAsync(db, None)).Select(r => r.Description).Order(StringComparer.Ordinal));
        Assert.Empty(await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
    }

    [Fact]
    public async Task A_move_the_storage_refuses_leaves_the_disk_where_it_was_and_says_why()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var (source, target) = (pool.Domains[1], pool.Domains[0]);
        Guid diskId = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "blocked");
        var rowsBefore = await engine.Db.Images.ListByDiskAsync(diskId, None);

        // An image of the same id on the target already (made behind the engine's back): the SPM refuses the copy.
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "image.create", new()
        {
            ["domain"] = target.ToString(), ["image"] = diskId.ToString(), ["size"] = GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow",
        });
        var planted = await DiskJobScenarioTests.ChainOnStorageAsync(pool, target, diskId);
        var move = await ActAsync(engine, diskId, "move", new { storage_domain = new { id = target } });
        Assert.Equal("failed", (string)move["status"]!);
        var events = await DiskJobScenarioTests.EventsOfAsync(engine, Guid.Parse((string)move["id"]!));
        Assert.Equal(nameof(EngineEventType.USER_MOVED_DISK_FINISHED_FAILURE), events[^1].LogTypeName);
        Assert.Contains("exists", events[^1].Message, StringComparison.OrdinalIgnoreCase);

        // The disk is where it was, OK, its rows the source's chain; the image on the target is left alone.
        var rows = await engine.Db.Images.ListByDiskAsync(diskId, None);
        Assert.Equal(rowsBefore.Select(r => (r.ImageGuid, ImageStatus.OK)), rows.Select(r => (r.ImageGuid, r.ImageStatus)));
        Assert.Equal([source], (await engine.Db.Images.ListDomainsAsync(rows[0].ImageGuid, None)).Select(m => m.StorageDomainId));
        Assert.Equal(rows.Select(r => r.ImageGuid), await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, diskId));
        Assert.Equal(planted, await DiskJobScenarioTests.ChainOnStorageAsync(pool, target, diskId));
        Assert.Empty(await engine.Db.Jobs.ListStartedJobsAsync(None));
    }

    [Fact]
    public async Task Copies_and_moves_an_engine_left_started_are_finished_from_the_storage_and_nothing_stays_locked()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var (source, target) = (pool.Domains[1], pool.Domains[0]);
        var db = engine.Db;
        Guid copied = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "copied");
        Guid neverCopied = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "never-copied");
        Guid halfMoved = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "half-moved");
        Guid neverMoved = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "never-moved");
        Guid staleCopy = await DiskJobScenarioTests.CreateDiskAsync(engine, source, "stale-copy");
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "snapshot.create", new() { ["domain"] = source.ToString(), ["image"] = halfMoved.ToString() });
        await ReconcileAsync(engine, halfMoved);
        var halfChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, halfMoved);
        Assert.Equal(2, halfChain.Count);

        // 1. A copy that died after submitting, before writing the task's id down: found by its image, finished.
        var (copyJob, copyDisk, copyVolume) = await BeginCopyAsync(db, copied, target);
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "image.copy", new()
        {
            ["domain"] = source.ToString(), ["image"] = copied.ToString(), ["target_domain"] = target.ToString(),
            ["new_image"] = copyDisk.ToString(), ["collapse"] = "true", ["new_volume"] = copyVolume.ToString(),
        }, wait: false);
        // 2. A copy that died before submitting: its new disk goes, the source is OK again.
        var (neverCopyJob, neverCopyDisk, _) = await BeginCopyAsync(db, neverCopied, target);
        // 3. A move that died in the source's removal: the copy whole on the target, the source's leaf deleted.
        var halfMoveJob = await BeginMoveAsync(db, halfMoved, target);
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "image.copy", new() { ["domain"] = source.ToString(), ["image"] = halfMoved.ToString(), ["target_domain"] = target.ToString() });
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "volume.delete", new() { ["domain"] = source.ToString(), ["image"] = halfMoved.ToString(), ["volume"] = halfChain[^1].ToString() });
        // 4. A move that died before submitting: the disk stays where it is, OK.
        var neverMoveJob = await BeginMoveAsync(db, neverMoved, target);
        // 5. The same, with a whole copy on the target that an earlier job made and cleared its
        // task of: not this move's copy, so the source must stay (taking it for this move's
        // would delete a source written to since).
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(30), null, None);
        string earlier = await DiskJobScenarioTests.RunOnSpmAsync(pool, "image.copy", new() { ["domain"] = source.ToString(), ["image"] = staleCopy.ToString(), ["target_domain"] = target.ToString() });
        await pool.InvokeAsync(spm, "task.clear", new Dictionary<string, string> { ["task"] = earlier }, None);
        var staleChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, staleCopy);
        Assert.Equal(staleChain, await DiskJobScenarioTests.ChainOnStorageAsync(pool, target, staleCopy));
        var staleMoveJob = await BeginMoveAsync(db, staleCopy, target);
        Assert.Equal(8, (await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None)).Count);

        // The next engine start.
        var runner = new JobRunner(db, new AgentCaller(), new PoolAgents(db, NullLogger<PoolAgents>.Instance), new JobTimings(), NullLogger<JobRunner>.Instance);
        await using (runner)
        {
            Assert.Equal(5, await new DiskCopyJobs(runner, NullLogger<DiskCopyJobs>.Instance).RecoverAsync(None));
            await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(copyJob, None))!.Status);
        Assert.Equal([copyVolume], await DiskJobScenarioTests.ChainOnStorageAsync(pool, target, copyDisk));
        Assert.Equal([(copyVolume, ImageStatus.OK)], (await db.Images.ListByDiskAsync(copyDisk, None)).Select(i => (i.ImageGuid, i.ImageStatus)));
        Assert.NotNull((await db.Jobs.ListStepsAsync(copyJob, None))[0].ExternalId);

        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(neverCopyJob, None))!.Status);
        Assert.Null(await db.Disks.GetAsync(neverCopyDisk, None));
        Assert.Empty(await DiskJobScenarioTests.ChainOnStorageAsync(pool, target, neverCopyDisk));

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(halfMoveJob, None))!.Status);
        await AssertMovedAsync(engine, pool, halfMoved, halfChain, source, target);

        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(neverMoveJob, None))!.Status);
        var stayed = await db.Images.ListByDiskAsync(neverMoved, None);
        Assert.Equal(stayed.Select(r => r.ImageGuid), await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, neverMoved));
        Assert.Equal([source], (await db.Images.ListDomainsAsync(stayed[0].ImageGuid, None)).Select(m => m.StorageDomainId));

        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(staleMoveJob, None))!.Status);
        Assert.Equal(staleChain, await DiskJobScenarioTests.ChainOnStorageAsync(pool, source, staleCopy));
        Assert.Equal(staleChain, (await db.Images.ListByDiskAsync(staleCopy, None)).Select(r => r.ImageGuid));
        Assert.Equal([source], (await db.Images.ListDomainsAsync(staleChain[0], None)).Select(m => m.StorageDomainId));

        // Every task these jobs ran or took up is cleared from the SPM once its job ended (the
        // test's own snapshot of halfMoved stays: no job ran it).
        var left = (await pool.InvokeAsync(spm, "task.list", new Dictionary<string, string>(), None)).AsArray()
            .Select(t => $"{(string)t!["verb"]!} {(string?)t["args"]?["image"]}").Where(t => !t.StartsWith("snapshot.create", StringComparison.Ordinal)).ToList();
        Assert.True(!left.Any(t => t.Contains(copied.ToString(), StringComparison.Ordinal) || t.Contains(halfMoved.ToString(), StringComparison.Ordinal)), string.Join("; ", left));

        Assert.Empty(await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
    }

    /// <summary>The disk's rows are <paramref name="chain"/>, OK, mapped to <paramref name="to"/> only; the storage has it there and nothing on <paramref name="from"/>.</summary>
    private static async Task AssertMovedAsync(HostsHarness engine, Sanpool.Harness.LocalPools.LocalPool pool, Guid diskId, IReadOnlyList<Guid> chain, Guid from, Guid to)
    {
        var rows = await engine.Db.Images.ListByDiskAsync(diskId, None);
        Assert.Equal(chain, rows.Select(r => r.ImageGuid));
        Assert.All(rows, r => Assert.Equal(ImageStatus.OK, r.ImageStatus));
        foreach (var row in rows)
        {
            Assert.Equal([to], (await engine.Db.Images.ListDomainsAsync(row.ImageGuid, None)).Select(m => m.StorageDomainId));
        }

        Assert.Equal(chain, await DiskJobScenarioTests.ChainOnStorageAsync(pool, to, diskId));
        Assert.Empty(await DiskJobScenarioTests.ChainOnStorageAsync(pool, from, diskId));
        await AssertAgreesAsync(engine, diskId);
    }

    private static async Task AssertAgreesAsync(HostsHarness engine, Guid diskId)
    {
        var report = await HostApiTests.GetAsync(engine, $"/api/disks/{diskId}/chain");
        Assert.True((bool)report["agrees"]!, report.ToJsonString());
    }

    /// <summary>Posts a copy or move, expects 202, and waits for its job.</summary>
    private static async Task<JsonNode> ActAsync(HostsHarness engine, Guid diskId, string action, object body)
    {
        using var response = await engine.Admin.PostAsJsonAsync($"/api/disks/{diskId}/{action}", body);
        var accepted = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, accepted.ToJsonString());
        return await DiskJobScenarioTests.WaitJobAsync(engine, (string)accepted["job"]!["id"]!, TimeSpan.FromMinutes(3));
    }

    private static async Task<JsonNode> RefusedAsync(HostsHarness engine, string path, object body, HttpStatusCode status, string error)
    {
        using var response = await engine.Admin.PostAsJsonAsync(path, body);
        return await Problem.AssertAsync(response, status, error);
    }

    private static async Task ReconcileAsync(HostsHarness engine, Guid diskId)
    {
        using var response = await engine.Admin.PostAsync($"/api/disks/{diskId}/reconcile", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<Guid> DefineVmAsync(HostsHarness engine, string name, Guid disk)
    {
        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name, disks = new[] { new { id = disk } } });
        var vm = JsonNode.Parse(await defined.Content.ReadAsStringAsync())!;
        Assert.True(defined.StatusCode == HttpStatusCode.Created, vm.ToJsonString());
        return Guid.Parse((string)vm["id"]!);
    }

    /// <summary>What an engine writes before it submits a copy: the job, its step, the source LOCKED, the new disk LOCKED.</summary>
    private static async Task<(Guid Job, Guid Disk, Guid Volume)> BeginCopyAsync(EngineDatabase db, Guid diskId, Guid target)
    {
        var job = DiskJobScenarioTests.NewJob(DiskCopyJobs.CopyDiskAction, $"Copying Disk {diskId}", db);
        var now = db.Clock.GetUtcNow();
        var disk = new BaseDisk(Guid.NewGuid(), $"copy-of-{diskId}", null, false, false, DiskContentType.DATA);
        var volume = new Image(Guid.NewGuid(), now, GiB, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null, VolumeType.Sparse, VolumeFormat.COW, disk.DiskId, true, VolumeClassification.Volume, 1);
        await db.DiskJobs.BeginCopyAsync(job, DiskJobScenarioTests.NewStep(job, db), diskId, disk, volume, target, None);
        return (job.JobId, disk.DiskId, volume.ImageGuid);
    }

    /// <summary>What an engine writes before it submits a move: the job, its two steps, the disk LOCKED.</summary>
    private static async Task<Guid> BeginMoveAsync(EngineDatabase db, Guid diskId, Guid target)
    {
        var job = DiskJobScenarioTests.NewJob(DiskCopyJobs.MoveDiskAction, $"Moving Disk {diskId}", db);
        var now = db.Clock.GetUtcNow();
        await db.DiskJobs.BeginMoveAsync(
            job, [JobRunner.NewStep(job, StepType.COPY_IMAGE, "copy", 1, now), JobRunner.NewStep(job, StepType.REMOVING_IMAGE, "remove", 2, now)], diskId, target, None);
        return job.JobId;
    }
}
