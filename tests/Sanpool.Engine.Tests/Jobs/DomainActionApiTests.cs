using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Api.Tasks;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// The refusals of a data center's storage domain actions that need a job or a task in flight,
/// in process over fake agents: a LOCKED disk, a STARTED job and a running SPM task on the domain
/// each keep it out of maintenance, and a detach with no SPM is refused; nothing is written.
/// </summary>
public sealed class DomainActionApiTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Maintenance_waits_for_LOCKED_disks_jobs_and_SPM_tasks_on_the_domain_and_a_detach_needs_an_SPM_each_refusal_writing_nothing()
    {
        await using var engine = await HostsHarness.StartAsync();
        var spm = engine.Agents.Add(1, spm: "SPM");
        await HostApiTests.AddAsync(engine, "/run/fake/host1.sock");
        var pool = engine.Agents.Pool;
        Guid domain = pool.Domains[1];
        string deactivate = $"/api/datacenters/{pool.Id}/storagedomains/{domain}/deactivate";

        // A disk being created on the domain: its volume LOCKED, its job STARTED and naming the domain.
        var job = DiskJobScenarioTests.NewJob("AddDisk", "Adding Disk busy", engine.Db);
        var now = engine.Db.Clock.GetUtcNow();
        var disk = new BaseDisk(Guid.NewGuid(), "busy", null, false, false, DiskContentType.DATA);
        var volume = new Image(Guid.NewGuid(), now, 1L << 30, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null, VolumeType.Sparse, VolumeFormat.COW, disk.DiskId, true, VolumeClassification.Volume, 1);
        await engine.Db.DiskJobs.BeginCreateAsync(job, DiskJobScenarioTests.NewStep(job, engine.Db), disk, volume, domain, None);
        string before = await StateAsync(engine, pool.Id);

        await RefusedAsync(engine, deactivate, HttpStatusCode.Conflict, "STORAGE_DOMAIN_IN_USE", $"LOCKED disks: disk {disk.DiskId}");
        Assert.Equal(before, await StateAsync(engine, pool.Id));
        await engine.Db.Images.SetStatusAsync(volume.ImageGuid, ImageStatus.OK, None);
        before = await StateAsync(engine, pool.Id);
        await RefusedAsync(engine, deactivate, HttpStatusCode.Conflict, "STORAGE_DOMAIN_IN_USE", $"job {job.JobId} (Adding Disk busy)");
        Assert.Equal(before, await StateAsync(engine, pool.Id));

        // The job ends; an SPM task on the domain (made behind the engine's back) still holds it; one on another domain does not.
        await engine.Db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FINISHED, None);
        var task = new TaskInfo { Id = Guid.NewGuid(), Verb = "image.copy", State = TaskState.Running, Host = 1, Lver = 1, Args = new Dictionary<string, string> { ["domain"] = domain.ToString() } };
        spm.Tasks.Add(task);
        spm.Tasks.Add(new TaskInfo { Id = Guid.NewGuid(), Verb = "image.create", State = TaskState.Running, Host = 1, Lver = 1, Args = new Dictionary<string, string> { ["domain"] = pool.Domains[0].ToString() } });
        before = await StateAsync(engine, pool.Id);
        await RefusedAsync(engine, deactivate, HttpStatusCode.Conflict, "STORAGE_DOMAIN_IN_USE", $"{task.Id} (image.copy, running)");
        Assert.Equal(before, await StateAsync(engine, pool.Id));

        spm.Tasks.RemoveAt(0);
        using (var accepted = await engine.Admin.PostAsync(deactivate, null))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            string jobId = (string)System.Text.Json.Nodes.JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["job"]!["id"]!;
            Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, jobId))["status"]!);
        }

        Assert.Equal(StorageDomainStatus.Maintenance, (await engine.Db.Pools.ListIsoMapAsync(pool.Id, None)).Single(m => m.StorageId == domain).Status);

        // No SPM: the pool verbs run only on it, so the detach is refused (503, transient) and the domain stays in Maintenance.
        await engine.Db.Pools.SetSpmAsync(pool.Id, null, None);
        before = await StateAsync(engine, pool.Id);
        using (var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/datacenters/{pool.Id}/storagedomains/{domain}"))
        using (var refused = await engine.Admin.SendAsync(request))
        {
            var problem = await Problem.AssertAsync(refused, HttpStatusCode.ServiceUnavailable, "DATA_CENTER_NO_SPM");
            Assert.True((bool)problem["transient"]!);
        }

        Assert.Equal(before, await StateAsync(engine, pool.Id));
        Assert.DoesNotContain(engine.Agents.Calls, c => c.EndsWith(" pool.detach", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Domain_jobs_an_engine_left_STARTED_end_as_the_storage_says_at_the_next_start()
    {
        await using var engine = await HostsHarness.StartAsync();
        engine.Agents.Add(1, spm: "SPM");
        await HostApiTests.AddAsync(engine, "/run/fake/host1.sock");
        var pool = engine.Agents.Pool;
        Guid domain = pool.Domains[1];

        // A maintenance cut short after its first transaction: the domain PreparingForMaintenance, its job STARTED.
        var deactivate = DiskJobScenarioTests.NewJob(DomainActions.DeactivateAction, "Deactivating", engine.Db);
        await engine.Db.DomainJobs.BeginAsync(
            deactivate, DiskJobScenarioTests.NewStep(deactivate, engine.Db), domain, pool.Id, StorageDomainStatus.Active, StorageDomainStatus.PreparingForMaintenance,
            refuseBusy: true, refuseVmDisks: false, None);
        var actions = engine.App.Services.GetRequiredService<DomainActions>();
        Assert.Equal(1, await actions.RecoverAsync(None));
        await engine.App.Services.GetRequiredService<JobRunner>().WhenIdleAsync();
        Assert.Equal(StorageDomainStatus.Maintenance, await StatusAsync(engine, pool.Id, domain));
        Assert.Equal(JobExecutionStatus.FINISHED, (await engine.Db.Jobs.GetJobAsync(deactivate.JobId, None))!.Status);

        // A detach cut short before the SPM ran it: the pool keys still list the domain, so it goes back to Maintenance and the job FAILED, saying why.
        var detach = DiskJobScenarioTests.NewJob(DomainActions.DetachAction, "Detaching", engine.Db);
        await engine.Db.DomainJobs.BeginAsync(
            detach, DiskJobScenarioTests.NewStep(detach, engine.Db), domain, pool.Id, StorageDomainStatus.Maintenance, StorageDomainStatus.Detaching,
            refuseBusy: true, refuseVmDisks: true, None);
        Assert.Equal(1, await actions.RecoverAsync(None));
        await engine.App.Services.GetRequiredService<JobRunner>().WhenIdleAsync();
        Assert.Equal(StorageDomainStatus.Maintenance, await StatusAsync(engine, pool.Id, domain));
        Assert.Equal(JobExecutionStatus.FAILED, (await engine.Db.Jobs.GetJobAsync(detach.JobId, None))!.Status);
        var ended = Assert.Single(await DiskJobScenarioTests.EventsOfAsync(engine, detach.JobId));
        Assert.Equal(nameof(Sanpool.Engine.Hosts.EngineEventType.USER_DETACH_STORAGE_DOMAIN_FROM_POOL_FAILED), ended.LogTypeName);
        Assert.Contains("the pool keys still list it", ended.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.Agents.Calls, c => c.EndsWith(" pool.detach", StringComparison.Ordinal));
        Assert.Equal(0, await actions.RecoverAsync(None));
    }

    private static async Task<StorageDomainStatus?> StatusAsync(HostsHarness engine, Guid dc, Guid domain) =>
        (await engine.Db.Pools.ListIsoMapAsync(dc, None)).SingleOrDefault(m => m.StorageId == domain)?.Status;

    private static async Task RefusedAsync(HostsHarness engine, string path, HttpStatusCode status, string error, string saying)
    {
        using var response = await engine.Admin.PostAsync(path, null);
        var problem = await Problem.AssertAsync(response, status, error);
        Assert.Contains(saying, (string)problem["detail"]!, StringComparison.Ordinal);
    }

    private static async Task<string> StateAsync(HostsHarness engine, Guid dc) =>
        $"{await engine.CountsAsync()} jobs={await engine.Db.Jobs.CountJobsAsync(None)} " +
        string.Join(",", (await engine.Db.Pools.ListIsoMapAsync(dc, None)).Select(m => $"{m.StorageId}:{m.Status}"));
}
