using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;
using Sanpool.Harness.LocalPools;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// Disk jobs through the engine's API on three real agents over a block pool (root, loop
/// devices, lvm): a disk is created and removed as jobs whose rows end up saying what the
/// storage says, bad requests change nothing, and jobs an engine left STARTED (it died before
/// submitting the task, or before writing the task's id down) are finished by the next start.
/// </summary>
public sealed class DiskJobScenarioTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_disk_is_created_and_removed_as_jobs_whose_rows_match_the_storage_and_bad_requests_change_nothing()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await StartAsync(pool);
        var domain = pool.Domains[1];

        // Bad requests: refused with one clear error each, nothing written.
        string before = await engine.CountsAsync();
        await RefusedAsync(engine, new { alias = "d", provisioned_size = 0, storage_domain = new { id = domain } }, HttpStatusCode.BadRequest, "INVALID_DISK");
        await RefusedAsync(engine, new { alias = "d", provisioned_size = GiB + 1, storage_domain = new { id = domain } }, HttpStatusCode.BadRequest, "INVALID_DISK");
        await RefusedAsync(engine, new { alias = "bad\u0001name", provisioned_size = GiB, storage_domain = new { id = domain } }, HttpStatusCode.BadRequest, "INVALID_DISK");
        await RefusedAsync(engine, new { alias = "d", provisioned_size = GiB, format = "vmdk", storage_domain = new { id = domain } }, HttpStatusCode.BadRequest, "INVALID_DISK");
        await RefusedAsync(engine, new { alias = "d", provisioned_size = GiB, storage_domain = new { id = Guid.NewGuid() } }, HttpStatusCode.NotFound, "STORAGE_DOMAIN_NOT_FOUND");
        await RefusedAsync(engine, new { alias = "d", provisioned_size = GiB }, HttpStatusCode.BadRequest, "INVALID_DISK");
        using (var missing = await engine.Admin.DeleteAsync($"/api/disks/{Guid.NewGuid()}"))
        {
            await Problem.AssertAsync(missing, HttpStatusCode.NotFound, "DISK_NOT_FOUND");
        }

        Assert.Equal(before, await engine.CountsAsync());
        Assert.Equal(0, await engine.Db.Jobs.CountJobsAsync(None));

        // Create: 202 with the job; the job finishes; the disk is OK with the volume the storage has.
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/disks")
        {
            Content = JsonContent.Create(new { alias = "data1", description = "first", provisioned_size = GiB, format = "cow", storage_domain = new { id = domain } }),
        };
        create.Headers.Add("Correlation-Id", "create-data1");
        using var created = await engine.Admin.SendAsync(create);
        var accepted = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, accepted.ToJsonString());
        string jobId = (string)accepted["job"]!["id"]!;
        Guid diskId = Guid.Parse((string)accepted["disk"]!["id"]!);
        Assert.EndsWith($"/api/jobs/{jobId}", created.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("create-data1", (string)accepted["job"]!["correlation_id"]!);

        var job = await WaitJobAsync(engine, jobId);
        Assert.Equal("finished", (string)job["status"]!);
        var step = job["steps"]!.AsArray().Single()!;
        Assert.Equal(100, (int)step["progress"]!);
        Assert.NotNull(step["external_id"]);
        var disk = await HostApiTests.GetAsync(engine, $"/api/disks/{diskId}");
        Assert.Equal(("data1", "first", "ok", 1), ((string)disk["alias"]!, (string)disk["description"]!, (string)disk["status"]!, (int)disk["volumes"]!));
        var storage = await ChainOnStorageAsync(pool, domain, diskId);
        var rows = await engine.Db.Images.ListByDiskAsync(diskId, None);
        Assert.Equal(storage, rows.Select(r => r.ImageGuid));
        Assert.Empty(await engine.Db.Jobs.ListAsyncTasksAsync(pool.Pool, None));
        var events = await EventsOfAsync(engine, Guid.Parse(jobId));
        Assert.Equal([nameof(EngineEventType.USER_ADD_DISK), nameof(EngineEventType.USER_ADD_DISK_FINISHED_SUCCESS)], events.Select(e => e.LogTypeName));
        Assert.All(events, e => Assert.Equal("create-data1", e.CorrelationId));

        // The chain four ways: one volume, every view agreeing.
        var sound = await HostApiTests.GetAsync(engine, $"/api/disks/{diskId}/chain");
        Assert.True((bool)sound["agrees"]!, sound.ToJsonString());
        var only = sound["volumes"]!.AsArray().Single()!;
        Assert.Equal(storage[0].ToString(), (string)only["id"]!);
        Assert.Equal(Guid.Empty.ToString(), (string)only["database"]!["parent"]!);
        Assert.Equal(Guid.Empty.ToString(), (string)only["metadata"]!["parent"]!);
        Assert.Equal("LEGAL", (string)only["metadata"]!["legality"]!);
        Assert.NotNull(only["qcow2"]);
        Assert.True((bool)only["parent_agrees"]!);

        // A snapshot taken behind the engine's back: an orphan on storage; then the removal deletes whatever the storage has, leaf first.
        await RunOnSpmAsync(pool, "snapshot.create", new() { ["domain"] = domain.ToString(), ["image"] = diskId.ToString() });
        var twoOnStorage = await ChainOnStorageAsync(pool, domain, diskId);
        Assert.Equal(2, twoOnStorage.Count);
        var drifted = await HostApiTests.GetAsync(engine, $"/api/disks/{diskId}/chain");
        Assert.False((bool)drifted["agrees"]!);
        var orphan = drifted["differences"]!.AsArray().Single()!;
        Assert.Equal(("orphan_on_storage", twoOnStorage[1].ToString()), ((string)orphan["kind"]!, (string)orphan["volume"]!));
        var orphanViews = drifted["volumes"]!.AsArray().Single(v => (string)v!["id"]! == twoOnStorage[1].ToString())!;
        Assert.Null(orphanViews["database"]);
        Assert.Equal(twoOnStorage[0].ToString(), (string)orphanViews["lv_tags"]!["parent"]!);
        Assert.Equal(twoOnStorage[0].ToString(), (string)orphanViews["qcow2"]!["backing_file"]!);

        // Reconciled: the snapshot gets its row, as the new leaf.
        var fixedOrphan = await ReconcileAsync(engine, diskId);
        Assert.Equal(["orphan_on_storage"], fixedOrphan["applied"]!.AsArray().Select(d => (string)d!["kind"]!));
        Assert.Equal("finished", (string)fixedOrphan["job"]!["status"]!);
        Assert.True((bool)fixedOrphan["after"]!["agrees"]!, fixedOrphan.ToJsonString());
        Assert.Equal(twoOnStorage, (await engine.Db.Images.ListByDiskAsync(diskId, None)).Select(r => r.ImageGuid));
        Assert.Equal(twoOnStorage[1], (await engine.Db.Images.ListByDiskAsync(diskId, None)).Single(r => r.Active).ImageGuid);

        // A row edited by hand (the leaf's parent) and a lock no job holds: found, classified, fixed in one job.
        await engine.Db.TransactAsync(
            s => s.ExecuteAsync("UPDATE images SET parentid = @other WHERE image_guid = @leaf", new { other = Guid.NewGuid(), leaf = twoOnStorage[1] }, None), None);
        await engine.Db.Images.SetStatusAsync(twoOnStorage[1], ImageStatus.LOCKED, None);
        var edited = await HostApiTests.GetAsync(engine, $"/api/disks/{diskId}/chain");
        Assert.Equal(["parent_differs", "locked_without_job"], edited["differences"]!.AsArray().Select(d => (string)d!["kind"]!));
        var fixedEdit = await ReconcileAsync(engine, diskId);
        Assert.True((bool)fixedEdit["after"]!["agrees"]!, fixedEdit.ToJsonString());
        var leafRow = (await engine.Db.Images.ListByDiskAsync(diskId, None)).Single(r => r.Active);
        Assert.Equal((twoOnStorage[0], ImageStatus.OK), (leafRow.ParentId, leafRow.ImageStatus));
        Assert.Contains(await engine.Db.AuditLog.ListSinceAsync(0, 1000, None), e => e.LogTypeName == nameof(EngineEventType.DISK_RECONCILED));
        using var removed = await engine.Admin.DeleteAsync($"/api/disks/{diskId}");
        var removal = JsonNode.Parse(await removed.Content.ReadAsStringAsync())!;
        Assert.True(removed.StatusCode == HttpStatusCode.Accepted, removal.ToJsonString());
        string removeJob = (string)removal["job"]!["id"]!;
        using (var again = await engine.Admin.DeleteAsync($"/api/disks/{diskId}"))
        {
            // Refused while the first removal runs (naming it), or gone once it has finished.
            var problem = JsonNode.Parse(await again.Content.ReadAsStringAsync())!;
            Assert.True(
                (again.StatusCode == HttpStatusCode.Conflict && ((string)problem["detail"]!).Contains(removeJob, StringComparison.Ordinal))
                || again.StatusCode == HttpStatusCode.NotFound,
                $"{(int)again.StatusCode} {problem.ToJsonString()}");
        }

        Assert.Equal("finished", (string)(await WaitJobAsync(engine, removeJob))["status"]!);
        Assert.Empty(await ChainOnStorageAsync(pool, domain, diskId));
        Assert.Null(await engine.Db.Disks.GetAsync(diskId, None));
        Assert.Empty(await engine.Db.Images.ListByDiskAsync(diskId, None));
        Assert.Equal(
            [nameof(EngineEventType.USER_REMOVE_DISK), nameof(EngineEventType.USER_FINISHED_REMOVE_DISK)],
            (await EventsOfAsync(engine, Guid.Parse(removeJob))).Select(e => e.LogTypeName));
        var jobs = (await HostApiTests.GetAsync(engine, "/api/jobs"))["items"]!.AsArray();
        // (The harness's clock stands still, so the jobs' order among equal start times is by id.)
        Assert.Equal(["AddDisk", "ReconcileDisk", "ReconcileDisk", "RemoveDisk"], jobs.Select(j => (string)j!["action_type"]!).Order());
        Assert.All(jobs, j => Assert.Equal("finished", (string)j!["status"]!));
    }

    [Fact]
    public async Task Jobs_an_engine_left_started_are_finished_from_the_storage_by_the_next_start_and_nothing_stays_locked()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await StartAsync(pool);
        var domain = pool.Domains[1];
        var db = engine.Db;

        // 1. Died after locking, before submitting: no task, nothing on storage.
        var (neverJob, neverDisk) = await BeginCreateAsync(db, domain, "never-submitted");
        // 2. Died after submitting, before writing the task's id down: the task is found by its image.
        var (unrecordedJob, unrecordedDisk) = await BeginCreateAsync(db, domain, "unrecorded");
        var unrecordedVolume = (await db.Images.ListByDiskAsync(unrecordedDisk, None))[0].ImageGuid;
        await RunOnSpmAsync(pool, "image.create", new()
        {
            ["domain"] = domain.ToString(), ["image"] = unrecordedDisk.ToString(), ["volume"] = unrecordedVolume.ToString(), ["size"] = GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow",
        }, wait: false);
        // 3. Died in the middle of a removal: one disk of two volumes, its removal begun and its rows LOCKED.
        var removeDisk = Guid.NewGuid();
        await RunOnSpmAsync(pool, "image.create", new() { ["domain"] = domain.ToString(), ["image"] = removeDisk.ToString(), ["size"] = GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow" });
        await RunOnSpmAsync(pool, "snapshot.create", new() { ["domain"] = domain.ToString(), ["image"] = removeDisk.ToString() });
        var chain = await ChainOnStorageAsync(pool, domain, removeDisk);
        await db.Disks.InsertAsync(
            new BaseDisk(removeDisk, "half-removed", null, false, false, DiskContentType.DATA),
            [.. chain.Select((v, i) => new Image(v, db.Clock.GetUtcNow(), GiB, Guid.Empty, i == 0 ? Guid.Empty : chain[i - 1], ImageStatus.OK, null, null,
                VolumeType.Sparse, VolumeFormat.COW, removeDisk, i == chain.Count - 1, i == chain.Count - 1 ? VolumeClassification.Volume : VolumeClassification.Snapshot, i + 1))],
            domain, None);
        var removeJob = NewJob(StorageJobs.RemoveDiskAction, "Removing Disk half-removed", db);
        await db.DiskJobs.BeginOnDiskAsync(removeJob, NewStep(removeJob, db), removeDisk, None);
        await RunOnSpmAsync(pool, "volume.delete", new() { ["domain"] = domain.ToString(), ["image"] = removeDisk.ToString(), ["volume"] = chain[^1].ToString() });

        // The next engine start.
        var runner = new JobRunner(db, new AgentCaller(), new PoolAgents(db, NullLogger<PoolAgents>.Instance), new JobTimings(), NullLogger<JobRunner>.Instance);
        await using (runner)
        {
            var restarted = new StorageJobs(runner, NullLogger<StorageJobs>.Instance);
            Assert.Equal(3, await restarted.RecoverAsync(None));
            await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(neverJob, None))!.Status);
        Assert.Null(await db.Disks.GetAsync(neverDisk, None));
        Assert.Empty(await ChainOnStorageAsync(pool, domain, neverDisk));

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(unrecordedJob, None))!.Status);
        Assert.Equal([unrecordedVolume], await ChainOnStorageAsync(pool, domain, unrecordedDisk));
        Assert.Equal([ImageStatus.OK], (await db.Images.ListByDiskAsync(unrecordedDisk, None)).Select(i => i.ImageStatus));
        Assert.NotNull((await db.Jobs.ListStepsAsync(unrecordedJob, None))[0].ExternalId);

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(removeJob.JobId, None))!.Status);
        Assert.Empty(await ChainOnStorageAsync(pool, domain, removeDisk));
        Assert.Null(await db.Disks.GetAsync(removeDisk, None));

        Assert.Empty(await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
    }

    /// <summary>The pool running with an SPM, every agent checked, and an engine that knows its hosts, all Up.</summary>
    internal static async Task<HostsHarness> StartAsync(LocalPool pool, ILoggerFactory? logs = null, EngineVmsConfig? vms = null)
    {
        pool.StartAll();
        await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
        await HostsScenarioTests.WaitCheckedAsync(pool);
        var engine = await HostsHarness.StartAsync(realAgents: true, logs: logs, vms: vms);
        try
        {
            foreach (int host in pool.HostIds)
            {
                await HostApiTests.AddAsync(engine, pool.SocketOf(host));
            }

            await engine.PollAsync();
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    private static async Task<JsonNode> ReconcileAsync(HostsHarness engine, Guid diskId)
    {
        using var response = await engine.Admin.PostAsync($"/api/disks/{diskId}/reconcile", null);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    private static async Task RefusedAsync(HostsHarness engine, object body, HttpStatusCode status, string error)
    {
        using var response = await engine.Admin.PostAsJsonAsync("/api/disks", body);
        await Problem.AssertAsync(response, status, error);
    }

    /// <summary>A 1 GiB cow disk made through the API, its job waited for.</summary>
    internal static async Task<Guid> CreateDiskAsync(HostsHarness engine, Guid domain, string alias)
    {
        using var created = await engine.Admin.PostAsJsonAsync("/api/disks", new { alias, provisioned_size = GiB, format = "cow", storage_domain = new { id = domain } });
        var accepted = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, accepted.ToJsonString());
        Assert.Equal("finished", (string)(await WaitJobAsync(engine, (string)accepted["job"]!["id"]!))["status"]!);
        return Guid.Parse((string)accepted["disk"]!["id"]!);
    }

    internal static async Task<JsonNode> WaitJobAsync(HostsHarness engine, string jobId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        JsonNode job;
        do
        {
            job = await HostApiTests.GetAsync(engine, $"/api/jobs/{jobId}");
            if ((string)job["status"]! != "started")
            {
                return job;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"job {jobId} still started: {job.ToJsonString()}");
        return job;
    }

    internal static async Task<IReadOnlyList<AuditLog>> EventsOfAsync(HostsHarness engine, Guid jobId) =>
        [.. (await engine.Db.AuditLog.ListSinceAsync(0, 1000, None)).Where(e => e.JobId == jobId).OrderBy(e => e.AuditLogId)];

    internal static async Task<IReadOnlyList<Guid>> ChainOnStorageAsync(LocalPool pool, Guid domain, Guid image)
    {
        using var client = pool.Client(pool.Running.First());
        var volumes = await client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), None);
        return volumes.Chains.FirstOrDefault(c => c.Image == image)?.Volumes ?? [];
    }

    /// <summary>Runs a structural verb on the SPM; waits for its task to finish unless <paramref name="wait"/> is false. Returns the task's id.</summary>
    internal static async Task<string> RunOnSpmAsync(LocalPool pool, string verb, Dictionary<string, string> args, bool wait = true)
    {
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(30), null, None);
        string task = (string)(await pool.InvokeAsync(spm, verb, args, None))["task"]!["id"]!;
        if (!wait)
        {
            return task;
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode record;
        do
        {
            await Task.Delay(200);
            record = await pool.InvokeAsync(spm, "task.status", new Dictionary<string, string> { ["task"] = task }, None);
        }
        while ((string)record["state"]! is "running" or "queued" && DateTime.UtcNow < deadline);

        Assert.True((string)record["state"]! == "finished", record.ToJsonString());
        return task;
    }

    /// <summary>What an engine writes before it submits a create: the job, its step and the disk LOCKED.</summary>
    private static async Task<(Guid Job, Guid Disk)> BeginCreateAsync(EngineDatabase db, Guid domain, string alias)
    {
        var job = NewJob(StorageJobs.AddDiskAction, $"Adding Disk {alias}", db);
        var disk = new BaseDisk(Guid.NewGuid(), alias, null, false, false, DiskContentType.DATA);
        var now = db.Clock.GetUtcNow();
        var volume = new Image(Guid.NewGuid(), now, GiB, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null, VolumeType.Sparse, VolumeFormat.COW, disk.DiskId, true, VolumeClassification.Volume, 1);
        await db.DiskJobs.BeginCreateAsync(job, NewStep(job, db), disk, volume, domain, None);
        return (job.JobId, disk.DiskId);
    }

    internal static Job NewJob(string action, string description, EngineDatabase db) =>
        new(Guid.NewGuid(), action, description, JobExecutionStatus.STARTED, null, true, db.Clock.GetUtcNow(), null, db.Clock.GetUtcNow(), "recovery-test", false, true);

    internal static Step NewStep(Job job, EngineDatabase db) =>
        new(Guid.NewGuid(), null, job.JobId, StepType.EXECUTING, job.Description, 1, JobExecutionStatus.STARTED, 0, db.Clock.GetUtcNow(), null, job.CorrelationId, null, null);
}
