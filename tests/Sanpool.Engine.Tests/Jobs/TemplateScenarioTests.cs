using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Api;
using Sanpool.Api.Pools;
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
/// Templates through the engine's API on three real agents over a block pool (root, loop
/// devices, lvm, qemu-img): a VM that is down becomes a template whose disks are one SHARED
/// volume each, the rows saying what the storage says; refusals write nothing; a template job an
/// engine left STARTED is finished (or undone) by the next start with nothing left LOCKED.
/// </summary>
public sealed class TemplateScenarioTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_stopped_vm_with_a_snapshot_becomes_a_template_of_one_shared_volume_per_disk_a_vm_from_it_gets_thin_clones_and_refusals_change_nothing()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var domain = pool.Domains[1];
        var db = engine.Db;
        Guid diskId = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "golden-disk");
        Guid vmId = await DefineVmAsync(engine, "Golden", diskId);
        using (var snapshot = await engine.Admin.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description = "installed" }))
        {
            var action = JsonNode.Parse(await snapshot.Content.ReadAsStringAsync())!;
            Assert.True(snapshot.StatusCode == HttpStatusCode.Accepted, action.ToJsonString());
            Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, (string)action["job"]!["id"]!))["status"]!);
        }

        var vmChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId);

        // Refusals: one clear error each, nothing written.
        string before = await engine.CountsAsync();
        long jobsBefore = await db.Jobs.CountJobsAsync(None);
        await RefusedAsync(engine, new { vm = new { id = Guid.NewGuid() }, name = "t" }, HttpStatusCode.NotFound, "VM_NOT_FOUND");
        await RefusedAsync(engine, new { vm = new { id = vmId }, name = "bad name!" }, HttpStatusCode.BadRequest, "INVALID_TEMPLATE");
        await RefusedAsync(engine, new { name = "t" }, HttpStatusCode.BadRequest, "INVALID_TEMPLATE");
        await RefusedAsync(engine, new { vm = new { id = vmId }, name = "Golden" }, HttpStatusCode.Conflict, "VM_NAME_EXISTS");
        var host = (await db.Hosts.ListAsync(new Page(10, 0), None))[0];
        await db.Vms.SetStatusAsync(vmId, VmStatus.Up, host.VdsId, null, None);
        var running = await RefusedAsync(engine, new { vm = new { id = vmId }, name = "t" }, HttpStatusCode.Conflict, "VM_IS_RUNNING");
        Assert.Contains(host.VdsName, (string)running["detail"]!, StringComparison.Ordinal);
        await db.Vms.SetStatusAsync(vmId, VmStatus.Down, null, null, None);
        Assert.Equal(before, await engine.CountsAsync());
        Assert.Equal(jobsBefore, await db.Jobs.CountJobsAsync(None));
        Assert.Equal(0, await db.Templates.CountAsync(None));
        using (var missing = await engine.Admin.GetAsync($"/api/templates/{vmId}"))
        {
            await Problem.AssertAsync(missing, HttpStatusCode.NotFound, "TEMPLATE_NOT_FOUND");
        }

        // The template: 202 with the job; one SHARED volume on storage, its row OK; the VM's disk as it was.
        using var created = await engine.Admin.PostAsJsonAsync("/api/templates", new { vm = new { id = vmId }, name = "golden-tpl", description = "base" });
        var accepted = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, accepted.ToJsonString());
        Assert.EndsWith($"/api/jobs/{(string)accepted["job"]!["id"]!}", created.Headers.Location!.ToString(), StringComparison.Ordinal);
        var job = await DiskJobScenarioTests.WaitJobAsync(engine, (string)accepted["job"]!["id"]!);
        Assert.Equal("finished", (string)job["status"]!);
        Assert.Equal(
            [nameof(EngineEventType.USER_ADD_VM_TEMPLATE), nameof(EngineEventType.USER_ADD_VM_TEMPLATE_FINISHED_SUCCESS)],
            (await DiskJobScenarioTests.EventsOfAsync(engine, Guid.Parse((string)job["id"]!))).Select(e => e.LogTypeName));
        Guid templateId = Guid.Parse((string)accepted["template"]!["id"]!);

        var listed = (await HostApiTests.GetAsync(engine, "/api/templates"))["items"]!.AsArray();
        var template = Assert.Single(listed)!;
        Assert.Equal(("golden-tpl", "base", "ok"), ((string)template["name"]!, (string)template["description"]!, (string)template["status"]!));
        var templateDisk = Assert.Single(template["disks"]!.AsArray())!;
        Guid templateDiskId = Guid.Parse((string)templateDisk["id"]!);
        Assert.Equal(1, (int)templateDisk["volumes"]!);
        Assert.Equal(templateId.ToString(), (string)(await HostApiTests.GetAsync(engine, $"/api/templates/{templateId}"))["id"]!);

        var templateChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, templateDiskId);
        var rows = await db.Images.ListByDiskAsync(templateDiskId, None);
        Assert.Equal(templateChain, rows.Select(r => r.ImageGuid));
        Assert.Equal([(Guid.Empty, ImageStatus.OK)], rows.Select(r => (r.ParentId, r.ImageStatus)));
        Assert.Equal("SHARED", (await MetadataAsync(pool, domain, templateChain[0])).Voltype);
        Assert.Equal(vmChain, await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId));
        Assert.All(await db.Images.ListByDiskAsync(diskId, None), i => Assert.Equal(ImageStatus.OK, i.ImageStatus));

        // A VM from the template: its disk a thin clone, one COW volume over the template's (rows and storage agree).
        using (var unknown = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "Clone0", template = new { id = Guid.NewGuid() } }))
        {
            await Problem.AssertAsync(unknown, HttpStatusCode.NotFound, "TEMPLATE_NOT_FOUND");
        }

        using var cloned = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "Clone1", template = new { id = templateId } });
        var cloneAction = JsonNode.Parse(await cloned.Content.ReadAsStringAsync())!;
        Assert.True(cloned.StatusCode == HttpStatusCode.Accepted, cloneAction.ToJsonString());
        Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, (string)cloneAction["job"]!["id"]!))["status"]!);
        Guid cloneVm = Guid.Parse((string)cloneAction["vm"]!["id"]!);
        var cloneDisk = Guid.Parse((string)(await HostApiTests.GetAsync(engine, $"/api/vms/{cloneVm}"))["disks"]![0]!["id"]!);
        var cloneRows = await db.Images.ListByDiskAsync(cloneDisk, None);
        var cloneRow = Assert.Single(cloneRows);
        Assert.Equal((templateChain[0], templateChain[0], ImageStatus.OK, VolumeFormat.COW), (cloneRow.ParentId, cloneRow.ItGuid, cloneRow.ImageStatus, cloneRow.VolumeFormat));
        var cloneChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, cloneDisk);
        Assert.Equal(cloneRow.ImageGuid, cloneChain[^1]);
        var cloneMetadata = await MetadataAsync(pool, domain, cloneRow.ImageGuid);
        Assert.Equal((templateChain[0], "LEAF", "LEGAL"), (cloneMetadata.Parent, cloneMetadata.Voltype, cloneMetadata.Legality));
        Assert.Equal(templateId, (await db.Vms.GetAsync(cloneVm, None))!.VmtGuid);

        // The VMs' list shows VMs only.
        var vms = (await HostApiTests.GetAsync(engine, "/api/vms"))["items"]!.AsArray();
        Assert.Equal(["Clone1", "Golden"], vms.Select(v => (string)v!["name"]!));
        Assert.Empty(await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
    }

    [Fact]
    public async Task Template_and_clone_jobs_an_engine_left_started_are_finished_or_undone_from_the_storage()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var domain = pool.Domains[1];
        var db = engine.Db;
        Guid submittedDisk = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "submitted");
        Guid neverDisk = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "never");
        Guid submittedVm = await DefineVmAsync(engine, "Submitted", submittedDisk);
        Guid neverVm = await DefineVmAsync(engine, "Never", neverDisk);

        // 1. Died after submitting, before writing the task's id down: found by its image, kept.
        var (submittedJob, submittedTemplate, part) = await BeginAsync(db, submittedVm, submittedDisk, domain, "submitted-tpl");
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "template.create", new()
        {
            ["domain"] = domain.ToString(), ["image"] = submittedDisk.ToString(), ["template"] = part.Disk.DiskId.ToString(), ["volume"] = part.Volume.ImageGuid.ToString(),
        }, wait: false);
        // 2. Died before submitting: the template goes, the VM's disk is OK again.
        var (neverJob, neverTemplate, neverPart) = await BeginAsync(db, neverVm, neverDisk, domain, "never-tpl");
        Assert.Equal(4, (await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None)).Count);

        var runner = new JobRunner(db, new AgentCaller(), new PoolAgents(db, NullLogger<PoolAgents>.Instance), new JobTimings(), NullLogger<JobRunner>.Instance);
        await using (runner)
        {
            Assert.Equal(2, await new TemplateJobs(runner, NullLogger<TemplateJobs>.Instance).RecoverAsync(None));
            await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(submittedJob, None))!.Status);
        Assert.NotNull(await db.Templates.GetAsync(submittedTemplate, None));
        Assert.Equal([part.Volume.ImageGuid], await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, part.Disk.DiskId));
        Assert.Equal([(part.Volume.ImageGuid, ImageStatus.OK)], (await db.Images.ListByDiskAsync(part.Disk.DiskId, None)).Select(i => (i.ImageGuid, i.ImageStatus)));

        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(neverJob, None))!.Status);
        Assert.Null(await db.Templates.GetAsync(neverTemplate, None));
        Assert.Null(await db.Disks.GetAsync(neverPart.Disk.DiskId, None));
        Assert.Empty(await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, neverPart.Disk.DiskId));

        // 3. A VM from the template that died after submitting its clone, before writing the task down: kept.
        var now = db.Clock.GetUtcNow();
        var cloneJob = DiskJobScenarioTests.NewJob(TemplateVmJobs.AddVmFromTemplateAction, "Creating VM Clone1", db);
        var cloneVm = new VmStatic(Guid.NewGuid(), "Clone1", VmEntityType.VM, submittedTemplate, 1024, null, now, null);
        var cloneDisk = new BaseDisk(Guid.NewGuid(), "Clone1_disk", null, false, false, DiskContentType.DATA);
        var cloneVolume = new Image(
            Guid.NewGuid(), now, 1L << 30, part.Volume.ImageGuid, part.Volume.ImageGuid, ImageStatus.LOCKED, now, null, VolumeType.Sparse, VolumeFormat.COW, cloneDisk.DiskId, true,
            VolumeClassification.Volume, 1);
        await db.Templates.BeginVmAsync(
            cloneJob, [DiskJobScenarioTests.NewStep(cloneJob, db)], cloneVm, Guid.NewGuid(), submittedTemplate, [new TemplateDisk(part.Disk.DiskId, domain, cloneDisk, cloneVolume, true)], None);
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "image.create", new()
        {
            ["domain"] = domain.ToString(), ["image"] = cloneDisk.DiskId.ToString(), ["volume"] = cloneVolume.ImageGuid.ToString(),
            ["size"] = (1L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow", ["template"] = part.Disk.DiskId.ToString(),
        }, wait: false);
        var again = new JobRunner(db, new AgentCaller(), new PoolAgents(db, NullLogger<PoolAgents>.Instance), new JobTimings(), NullLogger<JobRunner>.Instance);
        await using (again)
        {
            Assert.Equal(1, await new TemplateVmJobs(again, NullLogger<TemplateVmJobs>.Instance).RecoverAsync(None));
            await again.WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(cloneJob.JobId, None))!.Status);
        Assert.Equal(cloneVolume.ImageGuid, (await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, cloneDisk.DiskId))[^1]);
        Assert.Equal([(cloneVolume.ImageGuid, part.Volume.ImageGuid, ImageStatus.OK)], (await db.Images.ListByDiskAsync(cloneDisk.DiskId, None)).Select(i => (i.ImageGuid, i.ParentId, i.ImageStatus)));

        Assert.Empty(await db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
    }

    /// <summary>What an engine writes before it submits a template's task: the job, its step, the VM's disk and the template's LOCKED.</summary>
    private static async Task<(Guid Job, Guid Template, TemplateDisk Part)> BeginAsync(EngineDatabase db, Guid vmId, Guid diskId, Guid domain, string name)
    {
        var now = db.Clock.GetUtcNow();
        var job = DiskJobScenarioTests.NewJob(TemplateJobs.AddTemplateAction, $"Creating Template {name}", db);
        var template = new VmStatic(Guid.NewGuid(), name, VmEntityType.TEMPLATE, Guid.Empty, 1024, null, now, null);
        var disk = new BaseDisk(Guid.NewGuid(), name, $"disk {diskId} of VM {vmId}", false, false, DiskContentType.DATA);
        var volume = new Image(Guid.NewGuid(), now, 1L << 30, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null, VolumeType.Sparse, VolumeFormat.COW, disk.DiskId, true, VolumeClassification.Volume, 1);
        var part = new TemplateDisk(diskId, domain, disk, volume, true);
        await db.Templates.BeginAsync(job, [DiskJobScenarioTests.NewStep(job, db)], vmId, template, [part], None);
        return (job.JobId, template.VmGuid, part);
    }

    private static async Task<VolumeMetadataView> MetadataAsync(Sanpool.Harness.LocalPools.LocalPool pool, Guid domain, Guid volume)
    {
        using var client = pool.Client(pool.Running.First());
        var volumes = await client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), None);
        return volumes.Volumes.Single(v => v.Id == volume).Metadata!;
    }

    private static async Task<Guid> DefineVmAsync(HostsHarness engine, string name, Guid disk)
    {
        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name, disks = new[] { new { id = disk } } });
        var vm = JsonNode.Parse(await defined.Content.ReadAsStringAsync())!;
        Assert.True(defined.StatusCode == HttpStatusCode.Created, vm.ToJsonString());
        return Guid.Parse((string)vm["id"]!);
    }

    private static async Task<JsonNode> RefusedAsync(HostsHarness engine, object body, HttpStatusCode status, string error)
    {
        using var response = await engine.Admin.PostAsJsonAsync("/api/templates", body);
        return await Problem.AssertAsync(response, status, error);
    }
}
