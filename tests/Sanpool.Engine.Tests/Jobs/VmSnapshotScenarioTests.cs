using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// Seed 003 end to end on three real agents over a block pool (root, loop devices, lvm): a VM
/// "TestVM" with one disk gets the snapshots volumechain1..3 through the engine's API; seed 003's
/// query returns the seed's four rows, and the volume metadata, LV tags and qcow2 headers say the
/// same chain. Then a snapshot is removed (a cold merge through the SPM), bad and concurrent
/// requests are refused, and snapshot jobs an engine left STARTED are finished by the next start.
/// </summary>
public sealed class VmSnapshotScenarioTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task TestVM_gets_three_snapshots_as_seed_003_shows_them_and_loses_one_by_a_merge()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var domain = pool.Domains[1];
        Guid diskId = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "TestVM_Disk1");

        // Bad definitions: one clear error each, nothing written.
        await RefusedAsync(engine, "/api/vms", new { name = "bad name!", disks = new[] { new { id = diskId } } }, HttpStatusCode.BadRequest, "INVALID_VM");
        await RefusedAsync(engine, "/api/vms", new { name = "vm", memory_mb = 1, disks = new[] { new { id = diskId } } }, HttpStatusCode.BadRequest, "INVALID_VM");
        await RefusedAsync(engine, "/api/vms", new { name = "vm", disks = new[] { new { id = Guid.NewGuid() } } }, HttpStatusCode.NotFound, "DISK_NOT_FOUND");
        await RefusedAsync(engine, "/api/vms", new { name = "vm", disks = new[] { new { id = diskId }, new { id = diskId } } }, HttpStatusCode.BadRequest, "INVALID_VM");
        Assert.Equal(0, await engine.Db.Vms.CountAsync(None));

        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "TestVM", memory_mb = 512, disks = new[] { new { id = diskId } } });
        var vm = JsonNode.Parse(await defined.Content.ReadAsStringAsync())!;
        Assert.True(defined.StatusCode == HttpStatusCode.Created, vm.ToJsonString());
        Guid vmId = Guid.Parse((string)vm["id"]!);
        Assert.Equal(("TestVM", 512, "down", diskId.ToString()), ((string)vm["name"]!, (int)vm["memory_mb"]!, (string)vm["status"]!, (string)vm["disks"]![0]!["id"]!));
        await RefusedAsync(engine, "/api/vms", new { name = "TestVM" }, HttpStatusCode.Conflict, "VM_NAME_EXISTS");
        await RefusedAsync(engine, "/api/vms", new { name = "Other", disks = new[] { new { id = diskId } } }, HttpStatusCode.Conflict, "DISK_IN_USE");

        // Three snapshots, each a job with its events.
        foreach (string name in new[] { "volumechain1", "volumechain2", "volumechain3" })
        {
            engine.Clock.Advance(TimeSpan.FromMinutes(1));
            var job = await SnapshotAsync(engine, vmId, name);
            Assert.Equal("finished", (string)job["status"]!);
            Assert.Equal(
                [nameof(EngineEventType.USER_CREATE_SNAPSHOT), nameof(EngineEventType.USER_CREATE_SNAPSHOT_FINISHED_SUCCESS)],
                (await DiskJobScenarioTests.EventsOfAsync(engine, Guid.Parse((string)job["id"]!))).Select(e => e.LogTypeName));
        }

        // Seed 003's query: the seed's four rows.
        var rows = await Seed003.RunAsync(engine.Db, None);
        var by = rows.ToDictionary(r => r.Description);
        Assert.Equal(["Active VM", "volumechain1", "volumechain2", "volumechain3"], by.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Guid.Empty, by["volumechain1"].ParentId);
        Assert.Equal(by["volumechain1"].ImageGuid, by["volumechain2"].ParentId);
        Assert.Equal(by["volumechain2"].ImageGuid, by["volumechain3"].ParentId);
        Assert.Equal(by["volumechain3"].ImageGuid, by["Active VM"].ParentId);
        Assert.All(rows, r => Assert.Equal(("TestVM", SnapshotStatus.OK, ImageStatus.OK, diskId), (r.VmName, r.Status, r.ImageStatus, r.ImageGroupId)));

        // The storage says the same chain, four ways (metadata, LV tags, qcow2 backing links, rows).
        var expected = new[] { "volumechain1", "volumechain2", "volumechain3", "Active VM" }.Select(d => by[d].ImageGuid).ToList();
        Assert.Equal(expected, await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId));
        await AssertAgreesAsync(engine, diskId, expected);
        var snapshots = (await GetArrayAsync(engine, $"/api/vms/{vmId}/snapshots")).ToList();
        Assert.Equal(["volumechain1", "volumechain2", "volumechain3", "Active VM"], snapshots.Select(s => (string)s!["description"]!));
        Assert.Equal("active", (string)snapshots[^1]!["type"]!);

        // A running VM's volumes are not changed: refused, naming the VM's host.
        var host = (await engine.Db.Hosts.ListAsync(new Page(10, 0), None))[0];
        await engine.Db.Vms.SetStatusAsync(vmId, VmStatus.Up, host.VdsId, null, None);
        var running = await RefusedAsync(engine, $"/api/vms/{vmId}/snapshots", new { description = "live" }, HttpStatusCode.Conflict, "VM_IS_RUNNING");
        Assert.Contains(host.VdsName, (string)running["detail"]!, StringComparison.Ordinal);
        await engine.Db.Vms.SetStatusAsync(vmId, VmStatus.Down, null, null, None);

        // Two snapshots asked at once: one job runs, the other is refused naming it.
        var both = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => engine.Admin.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description = $"at once {i}" })));
        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], both.Select(r => r.StatusCode).Order());
        var winner = JsonNode.Parse(await both.Single(r => r.StatusCode == HttpStatusCode.Accepted).Content.ReadAsStringAsync())!;
        var loser = JsonNode.Parse(await both.Single(r => r.StatusCode == HttpStatusCode.Conflict).Content.ReadAsStringAsync())!;
        Assert.Contains((string)winner["job"]!["id"]!, (string)loser["detail"]!, StringComparison.Ordinal);
        string winnerName = (await engine.Db.Snapshots.GetAsync(Guid.Parse((string)winner["snapshot"]!["id"]!), None))!.Description;
        Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, (string)winner["job"]!["id"]!))["status"]!);
        foreach (var response in both)
        {
            response.Dispose();
        }

        // Remove volumechain2: volumechain3's volume merges into volumechain2's, which takes its place.
        var beforeRemove = (await Seed003.RunAsync(engine.Db, None)).ToDictionary(r => r.Description);
        Guid snapshot2 = Guid.Parse((string)snapshots[1]!["id"]!);
        using (var removed = await engine.Admin.DeleteAsync($"/api/vms/{vmId}/snapshots/{snapshot2}"))
        {
            var action = JsonNode.Parse(await removed.Content.ReadAsStringAsync())!;
            Assert.True(removed.StatusCode == HttpStatusCode.Accepted, action.ToJsonString());
            var removal = await DiskJobScenarioTests.WaitJobAsync(engine, (string)action["job"]!["id"]!);
            Assert.Equal("finished", (string)removal["status"]!);
            Assert.Equal("merge_snapshots", (string)removal["steps"]![0]!["type"]!);
        }

        var after = (await Seed003.RunAsync(engine.Db, None)).ToDictionary(r => r.Description);
        Assert.Equal(["Active VM", winnerName, "volumechain1", "volumechain3"], after.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(beforeRemove["volumechain2"].ImageGuid, after["volumechain3"].ImageGuid);
        Assert.Equal(beforeRemove["volumechain1"].ImageGuid, after["volumechain3"].ParentId);
        var chain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId);
        Assert.DoesNotContain(beforeRemove["volumechain3"].ImageGuid, chain);
        Assert.Equal((await engine.Db.Images.ListByDiskAsync(diskId, None)).Select(i => i.ImageGuid), chain);
        await AssertAgreesAsync(engine, diskId, chain);
        Assert.All(await Seed003.RunAsync(engine.Db, None), r => Assert.Equal((SnapshotStatus.OK, ImageStatus.OK), (r.Status, r.ImageStatus)));

        // Unknown ids: one clear error each.
        using (var missing = await engine.Admin.DeleteAsync($"/api/vms/{vmId}/snapshots/{Guid.NewGuid()}"))
        {
            await Problem.AssertAsync(missing, HttpStatusCode.NotFound, "SNAPSHOT_NOT_FOUND");
        }

        await RefusedAsync(engine, $"/api/vms/{Guid.NewGuid()}/snapshots", new { description = "x" }, HttpStatusCode.NotFound, "VM_NOT_FOUND");
        Guid activeId = Guid.Parse((string)snapshots[^1]!["id"]!);
        var activeNow = await engine.Db.Snapshots.GetActiveAsync(vmId, None);
        using (var present = await engine.Admin.DeleteAsync($"/api/vms/{vmId}/snapshots/{activeNow!.SnapshotId}"))
        {
            await Problem.AssertAsync(present, HttpStatusCode.BadRequest, "INVALID_VM");
        }

        Assert.NotEqual(activeId, activeNow.SnapshotId);
        Assert.Empty(await engine.Db.Jobs.ListStartedJobsAsync(None));
    }

    [Fact]
    public async Task Snapshot_jobs_an_engine_left_started_are_finished_from_the_storage_and_a_half_made_one_is_undone()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var domain = pool.Domains[1];
        var db = engine.Db;
        Guid disk1 = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "disk1");
        Guid disk2 = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "disk2");
        Guid single = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "single");
        var twoDisks = await DefineAsync(engine, "TwoDisks", disk1, disk2);
        var oneDisk = await DefineAsync(engine, "OneDisk", single);
        var rowsBefore = await db.Images.ListByDiskAsync(disk1, None);

        // 1. Died after submitting the first disk's snapshot, before the second: the first leaf is deleted again, the rows are as before.
        var (halfJob, half) = await BeginSnapshotAsync(db, twoDisks, "half", [disk1, disk2]);
        var firstLeaf = half.Leaves.Single(l => l.DiskId == disk1).NewLeaf;
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "snapshot.create", new() { ["domain"] = domain.ToString(), ["image"] = disk1.ToString(), ["volume"] = firstLeaf.ToString() });
        // 2. Died after submitting its only disk's snapshot, before writing the task down: found by its image, kept.
        var (wholeJob, whole) = await BeginSnapshotAsync(db, oneDisk, "whole", [single]);
        await DiskJobScenarioTests.RunOnSpmAsync(
            pool, "snapshot.create", new() { ["domain"] = domain.ToString(), ["image"] = single.ToString(), ["volume"] = whole.Leaves[0].NewLeaf.ToString() }, wait: false);

        // The next engine start.
        var runner = new JobRunner(db, new AgentCaller(), new PoolAgents(db, NullLogger<PoolAgents>.Instance), new JobTimings(), NullLogger<JobRunner>.Instance);
        await using (runner)
        {
            Assert.Equal(2, await new VmJobs(runner, NullLogger<VmJobs>.Instance).RecoverAsync(None));
            await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(halfJob.JobId, None))!.Status);
        Assert.DoesNotContain(firstLeaf, await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, disk1));
        Assert.Equal(rowsBefore.Select(r => (r.ImageGuid, r.ParentId, r.Active)), (await db.Images.ListByDiskAsync(disk1, None)).Select(r => (r.ImageGuid, r.ParentId, r.Active)));
        Assert.Equal(["Active VM"], (await db.Snapshots.ListByVmAsync(twoDisks, None)).Select(s => s.Description));
        Assert.Contains(await db.AuditLog.ListSinceAsync(0, 1000, None), e => e.JobId == halfJob.JobId && e.LogTypeName == nameof(EngineEventType.USER_CREATE_SNAPSHOT_FINISHED_FAILURE));

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(wholeJob.JobId, None))!.Status);
        var singleChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, single);
        Assert.Equal(whole.Leaves[0].NewLeaf, singleChain[^1]);
        Assert.Equal(singleChain, (await db.Images.ListByDiskAsync(single, None)).Select(r => r.ImageGuid));
        Assert.Equal(["Active VM", "whole"], (await db.Snapshots.ListByVmAsync(oneDisk, None)).Select(s => s.Description).Order(StringComparer.Ordinal));

        Assert.Empty(await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
        Assert.All(await Seed003.RunAsync(db, None), r => Assert.Equal((SnapshotStatus.OK, ImageStatus.OK), (r.Status, r.ImageStatus)));
    }

    private static async Task<Guid> DefineAsync(HostsHarness engine, string name, params Guid[] disks)
    {
        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name, disks = disks.Select(d => new { id = d }) });
        var vm = JsonNode.Parse(await defined.Content.ReadAsStringAsync())!;
        Assert.True(defined.StatusCode == HttpStatusCode.Created, vm.ToJsonString());
        return Guid.Parse((string)vm["id"]!);
    }

    private static async Task<JsonNode> SnapshotAsync(HostsHarness engine, Guid vmId, string description)
    {
        using var response = await engine.Admin.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description });
        var action = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, action.ToJsonString());
        Assert.EndsWith($"/api/jobs/{(string)action["job"]!["id"]!}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        return await DiskJobScenarioTests.WaitJobAsync(engine, (string)action["job"]!["id"]!);
    }

    /// <summary>The disk's chain four ways agrees, and is <paramref name="expected"/>.</summary>
    private static async Task AssertAgreesAsync(HostsHarness engine, Guid diskId, IReadOnlyList<Guid> expected)
    {
        var report = await HostApiTests.GetAsync(engine, $"/api/disks/{diskId}/chain");
        Assert.True((bool)report["agrees"]!, report.ToJsonString());
        var volumes = report["volumes"]!.AsArray();
        Assert.Equal(expected.Select(v => v.ToString()), volumes.Select(v => (string)v!["id"]!));
        for (int i = 0; i < volumes.Count; i++)
        {
            string parent = i == 0 ? Guid.Empty.ToString() : expected[i - 1].ToString();
            var v = volumes[i]!;
            Assert.True((bool)v["parent_agrees"]!, v.ToJsonString());
            Assert.Equal(parent, (string)v["database"]!["parent"]!);
            Assert.Equal(parent, (string)v["metadata"]!["parent"]!);
            Assert.Equal(parent, (string)v["lv_tags"]!["parent"]!);
            if (i > 0)
            {
                Assert.Equal(parent, (string)v["qcow2"]!["backing_file"]!);
            }
        }
    }

    private static async Task<JsonArray> GetArrayAsync(HostsHarness engine, string path)
    {
        using var response = await engine.Admin.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsArray();
    }

    private static async Task<JsonNode> RefusedAsync(HostsHarness engine, string path, object body, HttpStatusCode status, string error)
    {
        using var response = await engine.Admin.PostAsJsonAsync(path, body);
        return await Problem.AssertAsync(response, status, error);
    }

    /// <summary>What an engine writes before it submits a VM snapshot's tasks: the job, its steps, the rows LOCKED.</summary>
    private static async Task<(Job Job, VmSnapshotStarted Started)> BeginSnapshotAsync(EngineDatabase db, Guid vmId, string description, Guid[] disks)
    {
        var job = DiskJobScenarioTests.NewJob(VmJobs.CreateSnapshotAction, $"Creating VM Snapshot {description}", db);
        var leaves = disks.ToDictionary(d => d, _ => Guid.NewGuid());
        var steps = disks.Order().Select((d, i) => JobRunner.NewStep(job, StepType.CREATING_SNAPSHOTS, $"disk {d}", i + 1, db.Clock.GetUtcNow())).ToList();
        return (job, await db.VmJobs.BeginSnapshotAsync(job, steps, vmId, description, leaves, None));
    }
}
