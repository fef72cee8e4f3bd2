using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sanpool.Api.Vms;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Cli;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// A real guest run through the engine (root, loop devices, lvm, qemu; TCG here, so one guest
/// for the whole test): two agents over a block pool, a VM with one thin disk started with
/// <c>sanpool engine vms start --host --wait</c> boots the VM kit's kernel and sees its disk;
/// the engine says Up on that host, also after a monitor round; a snapshot is refused naming
/// the VM and its host; <c>vms stop --wait</c> leaves it Down with its image no longer served,
/// and the snapshot is then taken.
/// </summary>
public sealed class VmRunScenarioTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_VM_runs_on_a_host_through_the_engine_its_volumes_untouchable_until_it_stops()
    {
        Requires.Tool("qemu-system-x86_64", "qemu-system-x86");
        var kit = await VmKit.EnsureAsync();
        await using var test = await EnginePool.CreateAsync(output, hosts: 2);
        var pool = test.Pool;
        var boot = new EngineVmsConfig { Kernel = kit.Kernel, Initrd = kit.Initrd, Append = VmStartRequest.DefaultAppend + " sanpool.mode=idle", MemoryMib = 256 };
        await using var engine = await DiskJobScenarioTests.StartAsync(pool, vms: boot);
        var domain = pool.Domains[1];
        Guid diskId = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "RunVM_Disk1");
        Guid vmId;
        using (var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "RunVM", disks = new[] { new { id = diskId } } }))
        {
            var vm = JsonNode.Parse(await defined.Content.ReadAsStringAsync())!;
            Assert.True(defined.StatusCode == HttpStatusCode.Created, vm.ToJsonString());
            vmId = Guid.Parse((string)vm["id"]!);
        }

        int agentHost = pool.HostIds.Last();
        var target = (await engine.Db.Hosts.ListAllViewsAsync(None)).Single(h => h.Static.AgentAddress == pool.SocketOf(agentHost)).Static;
        string name = AgentVmState.AgentName(vmId);
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);
        try
        {
            // Start on the host asked for: the job is followed, then the VM shown Up there.
            var started = await cli.RunAsync("vms", "start", vmId.ToString(), "--host", target.VdsName, "--wait");
            output.WriteLine(started.ToString());
            Assert.True(started.ExitCode == 0, started.ToString());
            var shown = EngineCliTests.Lines(started.Output).Select(EngineCliTests.Words).ToList();
            Assert.Contains(["status:", "up"], shown);
            var run = (await engine.Db.Vms.GetDynamicAsync(vmId, None))!;
            Assert.Equal((VmStatus.Up, target.VdsId), (run.Status, run.RunOnVds));

            // The guest booted the configured kernel and sees its disk (1 GiB, the disk's virtual size).
            string serial = await GuestSaysAsync(pool, agentHost, name, "SANPOOL IDLE", TimeSpan.FromMinutes(4));
            Assert.Contains($"SANPOOL IDLE {GiB}", serial, StringComparison.Ordinal);

            // A monitor round reads the agent: still Up on that host.
            await engine.PollAsync();
            run = (await engine.Db.Vms.GetDynamicAsync(vmId, None))!;
            Assert.Equal((VmStatus.Up, target.VdsId), (run.Status, run.RunOnVds));

            // Its volumes are not changed while it runs: refused, naming the VM and its host; nothing written.
            var chain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId);
            using (var refused = await engine.Admin.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description = "live" }))
            {
                var problem = await Problem.AssertAsync(refused, HttpStatusCode.Conflict, "VM_IS_RUNNING");
                Assert.Contains("VM RunVM", (string)problem["detail"]!, StringComparison.Ordinal);
                Assert.Contains($"on host {target.VdsName}", (string)problem["detail"]!, StringComparison.Ordinal);
            }

            Assert.Equal(["Active VM"], (await engine.Db.Snapshots.ListByVmAsync(vmId, None)).Select(s => s.Description));

            // Stop: the host no longer runs it nor serves its image; Down.
            var stopped = await cli.RunAsync("vms", "stop", vmId.ToString(), "--wait");
            Assert.True(stopped.ExitCode == 0, stopped.ToString());
            Assert.Contains(["status:", "down"], EngineCliTests.Lines(stopped.Output).Select(EngineCliTests.Words));
            Assert.Empty((await pool.InvokeAsync(agentHost, "vm.list", null, None)).AsArray());
            Assert.DoesNotContain(
                (await pool.InvokeAsync(agentHost, "image.prepared", null, None)).AsArray(), p => (string?)p!["image"] == diskId.ToString());
            Assert.Equal(chain, await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId));

            // Down: the snapshot is taken now.
            using var taken = await engine.Admin.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description = "after stop" });
            var action = JsonNode.Parse(await taken.Content.ReadAsStringAsync())!;
            Assert.True(taken.StatusCode == HttpStatusCode.Accepted, action.ToJsonString());
            Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, (string)action["job"]!["id"]!))["status"]!);
            Assert.Equal(chain.Count + 1, (await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, diskId)).Count);
            Assert.Empty(await engine.Db.Jobs.ListStartedJobsAsync(None));
        }
        finally
        {
            // Whatever failed above, no qemu is left behind (the agents' stop kills theirs too).
            foreach (int host in pool.HostIds)
            {
                try
                {
                    await pool.InvokeAsync(host, "vm.stop", new Dictionary<string, string> { ["name"] = name }, None);
                }
                catch (Core.SanpoolException)
                {
                    // Not running there: as wanted.
                }
            }
        }
    }

    /// <summary>Polls the agent's vm.status until the guest's serial console has <paramref name="line"/>; returns the console.</summary>
    private async Task<string> GuestSaysAsync(Harness.LocalPools.LocalPool pool, int host, string name, string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string serial = "";
        while (DateTime.UtcNow < deadline)
        {
            var status = await pool.InvokeAsync(host, "vm.status", new Dictionary<string, string> { ["name"] = name }, None);
            Assert.NotEqual("exited", (string?)status["state"]);
            serial = status["serial"] is JsonValue path && File.Exists((string)path!) ? await File.ReadAllTextAsync((string)path!) : "";
            if (serial.Contains(line, StringComparison.Ordinal))
            {
                return serial;
            }

            await Task.Delay(1000);
        }

        output.WriteLine(serial);
        Assert.Fail($"the guest did not say {line} within {timeout.TotalSeconds:0} s");
        return serial;
    }
}
