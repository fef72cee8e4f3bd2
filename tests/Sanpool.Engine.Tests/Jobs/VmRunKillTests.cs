using System.Net;
using System.Net.Http.Json;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// kill -9 of a real engine while a VM start waits for its host (the host's agent frozen before
/// the start was asked, so the engine cannot have ended it): the next engine asks the host,
/// which does not run the VM, so the VM is Down with why, its image no longer served, the job
/// FAILED, and nothing holds the VM: a snapshot is taken at once. No guest boots (the start never
/// reached vm.start), so the test costs no emulated CPU.
/// </summary>
public sealed class VmRunKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_engine_killed_while_a_VM_starts_leaves_it_down_and_unlocked_after_its_restart()
    {
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
        await using var test = await EnginePool.CreateAsync(output, hosts: 2);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, CancellationToken.None);
        await HostsScenarioTests.WaitCheckedAsync(pool);

        // The VM starts on the SPM's host, the agent KillableEngine freezes.
        await using var engine = new KillableEngine(pool, spm, output, """{ "kernel": "/srv/sanpool/vm/vmlinuz", "initrd": "/srv/sanpool/vm/initrd.gz", "memory_mib": 256 }""");
        await engine.StartAsync();
        string? hostId = null;
        foreach (int host in pool.HostIds)
        {
            var added = await engine.PostAsync("/api/hosts", new { address = pool.SocketOf(host) }, HttpStatusCode.Created);
            hostId = host == spm ? (string)added["id"]! : hostId;
        }

        await engine.WaitAsync("/api/hosts", h => h["items"]!.AsArray().All(x => (string)x!["status"]! == "up"));
        var created = await engine.PostAsync(
            "/api/disks", new { alias = "vmdisk", provisioned_size = 1L << 30, format = "cow", storage_domain = new { id = pool.Domains[1] } }, HttpStatusCode.Accepted);
        Assert.Equal("finished", (string)(await engine.WaitJobAsync(created))["status"]!);
        string diskId = (string)created["disk"]!["id"]!;
        string vmId = (string)(await engine.PostAsync("/api/vms", new { name = "KilledVM", disks = new[] { new { id = diskId } } }, HttpStatusCode.Created))["id"]!;

        var killed = await engine.KillDuringAsync(KillableEngine.Freeze.BeforeRequest, api => api.PostAsJsonAsync($"/api/vms/{vmId}/start", new { host = new { id = hostId } }));
        Assert.True(killed.StartedAtKill);
        Assert.Equal("failed", killed.Status);
        var vm = await engine.GetAsync($"/api/vms/{vmId}");
        Assert.Equal("down", (string)vm["status"]!);
        Assert.Contains("does not run it", (string)vm["exit_message"]!, StringComparison.Ordinal);
        Assert.Null(vm["host"]);
        Assert.DoesNotContain((await pool.InvokeAsync(spm, "image.prepared", null, CancellationToken.None)).AsArray(), p => (string?)p!["image"] == diskId);
        Assert.Contains(engine.Lines, l => l.Contains($"recovering job {killed.JobId}", StringComparison.Ordinal));

        var snapshot = await engine.PostAsync($"/api/vms/{vmId}/snapshots", new { description = "after the kill" }, HttpStatusCode.Accepted);
        Assert.Equal("finished", (string)(await engine.WaitJobAsync(snapshot))["status"]!);
    }
}
