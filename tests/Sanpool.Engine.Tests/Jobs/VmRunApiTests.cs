using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Api.Vms;
using Sanpool.Core;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// VMs started and stopped through the engine, in process over fake agents: the refusals (no
/// vms config, not one disk, a host that is not there, a VM not Down or not running), a start
/// and a stop as jobs with what the agent was asked, the status the monitor reads from the
/// agent (paused for space, recovered, unknown, down when the guest powered off), a start the
/// agent refuses, and starts and stops a killed engine left STARTED settled at the next start.
/// </summary>
public sealed class VmRunApiTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    internal static readonly EngineVmsConfig Boot = new() { Kernel = "/srv/vm/vmlinuz", Initrd = "/srv/vm/initrd.gz", Append = "console=ttyS0 quiet", MemoryMib = 256 };

    [Fact]
    public async Task Without_the_vms_config_a_start_is_refused_and_nothing_changes()
    {
        await using var engine = await HostsHarness.StartAsync();
        var (_, vmId) = await OneVmAsync(engine);

        await RefusedAsync(engine, $"/api/vms/{vmId}/start", new { }, HttpStatusCode.Conflict, "VMS_NOT_CONFIGURED", "\"vms\"");
        Assert.Equal(VmStatus.Down, (await engine.Db.Vms.GetDynamicAsync(vmId, None))!.Status);
        Assert.Equal(0, await engine.Db.Jobs.CountJobsAsync(None));
        Assert.DoesNotContain(engine.Agents.Calls, c => c.EndsWith(" vm.start", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_VM_starts_on_its_host_its_status_follows_the_agent_and_it_stops_each_refusal_writing_nothing()
    {
        await using var engine = await HostsHarness.StartAsync(vms: Boot);
        var (agent, vmId) = await OneVmAsync(engine);
        var pool = engine.Agents.Pool;
        string start = $"/api/vms/{vmId}/start";

        // Refusals: one clear error each, no job.
        using (var bare = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "bare" }))
        {
            Guid bareId = Guid.Parse((string)JsonNode.Parse(await bare.Content.ReadAsStringAsync())!["id"]!);
            await RefusedAsync(engine, $"/api/vms/{bareId}/start", new { }, HttpStatusCode.Conflict, "VM_DISKS_UNSUPPORTED", "0 disks");
        }

        await RefusedAsync(engine, start, new { host = new { name = "nosuchhost" } }, HttpStatusCode.NotFound, "HOST_NOT_FOUND", "nosuchhost");
        await RefusedAsync(engine, $"/api/vms/{Guid.NewGuid()}/start", new { }, HttpStatusCode.NotFound, "VM_NOT_FOUND", "does not exist");
        await RefusedAsync(engine, $"/api/vms/{vmId}/stop", new { }, HttpStatusCode.Conflict, "VM_NOT_RUNNING", "Down already");
        Assert.Equal(0, await engine.Db.Jobs.CountJobsAsync(None));

        // Start on host1 by name: 202 with the job; the agent served the disk and booted the configured kernel.
        var job = await AcceptedAsync(engine, start, new { host = new { name = "host1" } });
        Assert.Equal("finished", (string)job["status"]!);
        var vm = await HostApiTests.GetAsync(engine, $"/api/vms/{vmId}");
        Assert.Equal("up", (string)vm["status"]!);
        string hostId = (string)vm["host"]!["id"]!;
        Assert.NotNull(vm["start_time"]);
        var asked = Assert.Single(agent.VmStarts);
        Assert.Equal((AgentVmState.AgentName(vmId), pool.Domains[1], pool.Disk, Boot.Kernel, Boot.Initrd, Boot.Append, 256), (asked.Name, asked.Domain, asked.Image, asked.Kernel, asked.Initrd, asked.Append, asked.MemoryMib));
        Assert.Contains(pool.Disk, agent.Prepared);
        Assert.Equal(
            [nameof(EngineEventType.USER_STARTED_VM), nameof(EngineEventType.USER_RUN_VM)],
            (await DiskJobScenarioTests.EventsOfAsync(engine, Guid.Parse((string)job["id"]!))).Select(e => e.LogTypeName));

        // Running: a second start, a snapshot and the disk's removal are refused, naming the VM's host.
        await RefusedAsync(engine, start, new { }, HttpStatusCode.Conflict, "VM_NOT_DOWN", "on host host1");
        await RefusedAsync(engine, $"/api/vms/{vmId}/snapshots", new { description = "live" }, HttpStatusCode.Conflict, "VM_IS_RUNNING", "on host host1");
        using (var remove = await engine.Admin.DeleteAsync($"/api/disks/{pool.Disk}"))
        {
            var problem = await Problem.AssertAsync(remove, HttpStatusCode.Conflict, "VM_IS_RUNNING");
            Assert.Contains("VM TestVM", (string)problem["detail"]!, StringComparison.Ordinal);
            Assert.Contains("on host host1", (string)problem["detail"]!, StringComparison.Ordinal);
        }

        // ... as are a merge (a snapshot's removal), a move and a template made from the VM.
        var old = new Snapshot(Guid.NewGuid(), vmId, SnapshotType.REGULAR, SnapshotStatus.OK, "before", engine.Db.Clock.GetUtcNow(), null);
        await engine.Db.Snapshots.InsertAsync(old, None);
        using (var merge = await engine.Admin.DeleteAsync($"/api/vms/{vmId}/snapshots/{old.SnapshotId}"))
        {
            var problem = await Problem.AssertAsync(merge, HttpStatusCode.Conflict, "VM_IS_RUNNING");
            Assert.Contains("VM TestVM is Up on host host1", (string)problem["detail"]!, StringComparison.Ordinal);
        }

        await RefusedAsync(engine, $"/api/disks/{pool.Disk}/move", new { storage_domain = new { id = pool.Domains[0] } }, HttpStatusCode.Conflict, "VM_IS_RUNNING", "VM TestVM, which is Up on host host1");
        await RefusedAsync(engine, "/api/templates", new { vm = new { id = vmId }, name = "tpl" }, HttpStatusCode.Conflict, "VM_IS_RUNNING", "VM TestVM is Up on host host1");
        Assert.Equal(1, await engine.Db.Jobs.CountJobsAsync(None));

        // The monitor: paused for lack of space, then resumed; a host that does not answer; the guest powering off.
        string name = AgentVmState.AgentName(vmId);
        agent.Vms[name] = agent.Vms[name] with { State = "io-error", Pauses = 1 };
        await engine.PollAsync();
        vm = await HostApiTests.GetAsync(engine, $"/api/vms/{vmId}");
        Assert.Equal(("paused", "ENOSPC"), ((string)vm["status"]!, (string?)vm["pause_reason"]));
        agent.Vms[name] = agent.Vms[name] with { State = "running" };
        await engine.PollAsync();
        Assert.Equal((VmStatus.Up, null), await StatusAsync(engine, vmId));

        agent.Down = true;
        await engine.PollAsync();
        Assert.Equal(VmStatus.Unknown, (await engine.Db.Vms.GetDynamicAsync(vmId, None))!.Status);
        agent.Down = false;
        await engine.PollAsync();
        Assert.Equal((VmStatus.Up, null), await StatusAsync(engine, vmId));

        agent.Vms[name] = agent.Vms[name] with { State = "shutdown", Result = "RESULT PASS" };
        await engine.PollAsync();
        var down = (await engine.Db.Vms.GetDynamicAsync(vmId, None))!;
        Assert.Equal((VmStatus.Down, (Guid?)null), (down.Status, down.RunOnVds));
        Assert.Equal("the guest powered off on host host1 (RESULT PASS)", down.ExitMessage);
        Assert.Empty(agent.Vms);
        Assert.DoesNotContain(pool.Disk, agent.Prepared);
        var seen = (await engine.Db.AuditLog.ListSinceAsync(0, 1000, None)).Where(e => e.VmId == vmId && e.JobId is null).Select(e => e.LogTypeName);
        Assert.Equal(
            [nameof(EngineEventType.VM_PAUSED_ENOSPC), nameof(EngineEventType.VM_RECOVERED_FROM_PAUSE_ERROR), nameof(EngineEventType.VM_NOT_RESPONDING), nameof(EngineEventType.VM_DOWN)],
            seen.Where(n => n != nameof(EngineEventType.USER_ADD_VM)));

        // Started again on any Up host (no body at all), then stopped: down, the image torn down.
        using (var bodyless = await engine.Admin.PostAsync(start, null))
        {
            Assert.True(bodyless.StatusCode == HttpStatusCode.Accepted, await bodyless.Content.ReadAsStringAsync());
            string again = (string)JsonNode.Parse(await bodyless.Content.ReadAsStringAsync())!["job"]!["id"]!;
            Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, again))["status"]!);
        }

        Assert.Equal(hostId, (string)(await HostApiTests.GetAsync(engine, $"/api/vms/{vmId}"))["host"]!["id"]!);
        var stop = await AcceptedAsync(engine, $"/api/vms/{vmId}/stop", new { });
        Assert.Equal("finished", (string)stop["status"]!);
        vm = await HostApiTests.GetAsync(engine, $"/api/vms/{vmId}");
        Assert.Equal(("down", "stopped by a user on host host1"), ((string)vm["status"]!, (string)vm["exit_message"]!));
        Assert.Null(vm["host"]);
        Assert.Empty(agent.Vms);
        Assert.DoesNotContain(pool.Disk, agent.Prepared);

        // A start the agent refuses: the job fails with its error, the VM is Down with why, the image is torn down.
        agent.VmStartError = new SanpoolException(new ErrorCode(-865, "VM_START_FAILED"), "qemu-system-x86_64: cannot open kernel");
        var failed = await AcceptedAsync(engine, start, new { host = new { id = hostId } });
        Assert.Equal("failed", (string)failed["status"]!);
        down = (await engine.Db.Vms.GetDynamicAsync(vmId, None))!;
        Assert.Equal(VmStatus.Down, down.Status);
        Assert.Contains("cannot open kernel", down.ExitMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(pool.Disk, agent.Prepared);
        Assert.Empty(await engine.Db.Jobs.ListStartedJobsAsync(None));
    }

    [Fact]
    public async Task Starts_and_stops_a_killed_engine_left_STARTED_end_as_the_host_says_and_nothing_stays_locked()
    {
        await using var engine = await HostsHarness.StartAsync(vms: Boot);
        var (agent, vmId) = await OneVmAsync(engine);
        var db = engine.Db;
        var host = (await db.Hosts.ListAllViewsAsync(None)).Single().Static;
        string name = AgentVmState.AgentName(vmId);

        // 1. Killed before vm.start reached the host: the VM does not run there; Down, the job FAILED.
        var lost = await BeginAsync(db, VmRunJobs.StartAction, vmId, start: host.VdsId);
        Assert.Equal(1, await RecoverAsync(engine));
        Assert.Equal(JobExecutionStatus.FAILED, (await db.Jobs.GetJobAsync(lost.JobId, None))!.Status);
        Assert.Equal((VmStatus.Down, null), await StatusAsync(engine, vmId));

        // 2. Killed after vm.start, before the job's end was written: the host runs it; Up, the job FINISHED.
        var ran = await BeginAsync(db, VmRunJobs.StartAction, vmId, start: host.VdsId);
        agent.Vms[name] = new VmStatusReply { Name = name, State = "running", Image = engine.Agents.Pool.Disk };
        Assert.Equal(1, await RecoverAsync(engine));
        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(ran.JobId, None))!.Status);
        Assert.Equal((VmStatus.Up, null), await StatusAsync(engine, vmId));
        Assert.Equal(host.VdsId, (await db.Vms.GetDynamicAsync(vmId, None))!.RunOnVds);

        // 3. Killed in the middle of a stop: stopped again, Down, the job FINISHED.
        var stopping = await BeginAsync(db, VmRunJobs.StopAction, vmId, start: null);
        Assert.Equal(VmStatus.PoweringDown, (await db.Vms.GetDynamicAsync(vmId, None))!.Status);
        Assert.Equal(1, await RecoverAsync(engine));
        Assert.Equal(JobExecutionStatus.FINISHED, (await db.Jobs.GetJobAsync(stopping.JobId, None))!.Status);
        Assert.Equal((VmStatus.Down, null), await StatusAsync(engine, vmId));
        Assert.Empty(agent.Vms);

        Assert.Empty(await db.Jobs.ListStartedJobsAsync(None));
        Assert.Empty(await db.Jobs.ListBusyEntitiesAsync(None));
        Assert.Equal(0, await RecoverAsync(engine));
    }

    [Theory]
    [InlineData("running", 0, VmStatus.Up, null, false)]
    [InlineData("io-error", 1, VmStatus.Paused, "ENOSPC", false)]
    [InlineData("paused", 2, VmStatus.Paused, "ENOSPC", false)]
    [InlineData("paused", 0, VmStatus.Paused, "EOTHER", false)]
    [InlineData("prelaunch", 0, VmStatus.PoweringUp, null, false)]
    [InlineData("shutdown", 0, VmStatus.Down, null, true)]
    [InlineData("exited", 3, VmStatus.Down, null, true)]
    [InlineData("guest-panicked", 0, VmStatus.Down, null, true)]
    public void The_agents_run_state_maps_to_the_engines_status(string state, int pauses, VmStatus status, string? pause, bool gone)
    {
        var reply = new VmStatusReply { Name = "vm-x", State = state, Pauses = pauses };
        Assert.Equal((status, pause, gone), AgentVmState.Of(reply));
    }

    [Fact]
    public void The_agents_name_of_a_VM_is_what_vm_start_takes()
    {
        string name = AgentVmState.AgentName(Guid.NewGuid());
        Assert.Matches("^[a-z][a-z0-9-]{0,31}$", name);
        Assert.NotEqual(name, AgentVmState.AgentName(Guid.NewGuid()));
    }

    /// <summary>One fake SPM host added (its pool's disk imported, Up) and a VM "TestVM" with that disk.</summary>
    internal static async Task<(FakeAgent Agent, Guid VmId)> OneVmAsync(HostsHarness engine)
    {
        var agent = engine.Agents.Add(1, spm: "SPM");
        await HostApiTests.AddAsync(engine, agent.Address);
        await engine.PollAsync();
        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "TestVM", disks = new[] { new { id = engine.Agents.Pool.Disk } } });
        var vm = JsonNode.Parse(await defined.Content.ReadAsStringAsync())!;
        Assert.True(defined.StatusCode == HttpStatusCode.Created, vm.ToJsonString());
        return (agent, Guid.Parse((string)vm["id"]!));
    }

    private static async Task<(VmStatus, string?)> StatusAsync(HostsHarness engine, Guid vmId)
    {
        var run = (await engine.Db.Vms.GetDynamicAsync(vmId, None))!;
        return (run.Status, run.PauseReason);
    }

    /// <summary>What a killed engine leaves: the start's or stop's rows and its STARTED job, nothing asked of the host.</summary>
    private static async Task<Job> BeginAsync(Sanpool.Engine.Data.EngineDatabase db, string action, Guid vmId, Guid? start)
    {
        var job = DiskJobScenarioTests.NewJob(action, action + " TestVM", db);
        var step = DiskJobScenarioTests.NewStep(job, db);
        if (start is { } host)
        {
            var disks = (await db.Vms.ListDisksAsync(vmId, None)).Select(d => d.DiskId).ToList();
            await db.VmRuns.BeginStartAsync(job, step, vmId, disks, host, None);
        }
        else
        {
            await db.VmRuns.BeginStopAsync(job, step, vmId, None);
        }

        return job;
    }

    /// <summary>The next engine's recovery of VM starts and stops, waited to its end.</summary>
    private static async Task<int> RecoverAsync(HostsHarness engine)
    {
        var db = engine.Db;
        var runner = new JobRunner(db, engine.Agents, new PoolAgents(db, NullLogger<PoolAgents>.Instance), new JobTimings(), NullLogger<JobRunner>.Instance);
        await using (runner)
        {
            var config = new EngineConfig { DataDir = "/unused", Vms = Boot };
            int taken = await new VmRunJobs(runner, engine.Agents, config, NullLogger<VmRunJobs>.Instance).RecoverAsync(None);
            await runner.WhenIdleAsync().WaitAsync(TimeSpan.FromMinutes(1));
            return taken;
        }
    }

    private static async Task<JsonNode> AcceptedAsync(HostsHarness engine, string path, object body)
    {
        using var response = await engine.Admin.PostAsJsonAsync(path, body);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, answer.ToJsonString());
        Assert.EndsWith($"/api/jobs/{answer["job"]!["id"]}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        return await DiskJobScenarioTests.WaitJobAsync(engine, (string)answer["job"]!["id"]!);
    }

    private static async Task RefusedAsync(HostsHarness engine, string path, object body, HttpStatusCode status, string error, string detail)
    {
        using var response = await engine.Admin.PostAsJsonAsync(path, body);
        var problem = await Problem.AssertAsync(response, status, error);
        Assert.Contains(detail, (string)problem["detail"]!, StringComparison.Ordinal);
    }
}
