using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.TestSupport;
using Xunit.Abstractions;
using static Sanpool.Engine.Tests.Jobs.KillableEngine.Freeze;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// kill -9 of a real engine process in the middle of each kind of job, with real agents on a
/// block pool, one kind after another on the same pool and the same data_dir. The SPM's agent
/// is frozen (SIGSTOP) around the kill: before the request when the request itself does not
/// reach the SPM (the job's task is submitted in the background, and cannot be while the SPM is
/// frozen), right after the 202 when it does (a disk's creation submits in the request). So the
/// job is STARTED and its task cannot have ended when the engine dies. Started again, the engine
/// finds the job STARTED, settles it from what the storage says, and nothing stays LOCKED, as
/// oVirt needs unlock_entity.sh and taskcleaner.sh for.
/// </summary>
public sealed class EngineKillTests(ITestOutputHelper output)
{
    private const string AfterRestart = "(finished after an engine restart)";

    [Fact]
    public async Task An_engine_killed_in_the_middle_of_any_job_finishes_it_after_its_restart_and_leaves_nothing_locked()
    {
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, CancellationToken.None);
        await HostsScenarioTests.WaitCheckedAsync(pool);
        var (master, data) = (pool.Domains[0], pool.Domains[1]);

        await using var engine = new KillableEngine(pool, spm, output);
        await engine.StartAsync();
        foreach (int host in pool.HostIds)
        {
            await engine.PostAsync("/api/hosts", new { address = pool.SocketOf(host) }, HttpStatusCode.Created);
        }

        await engine.WaitAsync("/api/hosts", h => h["items"]!.AsArray().All(x => (string)x!["status"]! == "up"));
        string dc = (string)(await engine.GetAsync("/api/datacenters"))["items"]![0]!["id"]!;

        // AddDisk submits its task in the request: the SPM is frozen once it answered.
        var add = await engine.KillDuringAsync(AfterAccepted, api => api.PostAsJsonAsync(
            "/api/disks", new { alias = "survivor", provisioned_size = 1L << 30, format = "cow", storage_domain = new { id = data } }));
        string survivor = (string)add.Accepted["disk"]!["id"]!;
        await RecoveredAsync(engine, add, dc, "finished");
        Assert.Equal("ok", (string)(await engine.GetAsync($"/api/disks/{survivor}"))["status"]!);

        // A VM with one disk, for its snapshots and its template.
        var made = await engine.PostAsync("/api/disks", new { alias = "vm1-disk", provisioned_size = 1L << 30, format = "cow", storage_domain = new { id = data } }, HttpStatusCode.Accepted);
        Assert.Equal("finished", (string)(await engine.WaitJobAsync(made))["status"]!);
        string vmDisk = (string)made["disk"]!["id"]!;
        string vm = (string)(await engine.PostAsync("/api/vms", new { name = "vm1", disks = new[] { new { id = vmDisk } } }, HttpStatusCode.Created))["id"]!;

        // The snapshot's task is never submitted before the kill: the storage decides whether the new leaf is there.
        var snapshot = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/vms/{vm}/snapshots", new { description = "killed" }));
        await RecoveredAsync(engine, snapshot, dc, "finished", "failed");
        string snapshotId = (string)snapshot.Accepted["snapshot"]!["id"]!;
        if (snapshot.Status == "failed")
        {
            var again = await engine.PostAsync($"/api/vms/{vm}/snapshots", new { description = "again" }, HttpStatusCode.Accepted);
            Assert.Equal("finished", (string)(await engine.WaitJobAsync(again))["status"]!);
            snapshotId = (string)again["snapshot"]!["id"]!;
        }

        var merge = await engine.KillDuringAsync(BeforeRequest, api => api.DeleteAsync(new Uri($"/api/vms/{vm}/snapshots/{snapshotId}", UriKind.Relative)));
        await RecoveredAsync(engine, merge, dc, "finished", "failed");

        var copy = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/disks/{survivor}/copy", new { storage_domain = new { id = master }, alias = "survivor-copy" }));
        await RecoveredAsync(engine, copy, dc, "finished", "failed");

        var move = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/disks/{survivor}/move", new { storage_domain = new { id = master } }));
        await RecoveredAsync(engine, move, dc, "finished", "failed");
        var moved = await engine.GetAsync($"/api/disks/{survivor}");
        Assert.Equal((move.Status == "finished" ? master : data).ToString(), (string)moved["storage_domains"]![0]!["id"]!);

        var template = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync("/api/templates", new { vm = new { id = vm }, name = "killed-tpl" }));
        await RecoveredAsync(engine, template, dc, "finished", "failed");
        string templateId = (string)template.Accepted["template"]!["id"]!;
        if (template.Status == "failed")
        {
            var again = await engine.PostAsync("/api/templates", new { vm = new { id = vm }, name = "tpl-again" }, HttpStatusCode.Accepted);
            Assert.Equal("finished", (string)(await engine.WaitJobAsync(again))["status"]!);
            templateId = (string)again["template"]!["id"]!;
        }

        var clone = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync("/api/vms", new { name = "clone1", template = new { id = templateId } }));
        await RecoveredAsync(engine, clone, dc, "finished", "failed");

        var remove = await engine.KillDuringAsync(BeforeRequest, api => api.DeleteAsync(new Uri($"/api/disks/{survivor}", UriKind.Relative)));
        await RecoveredAsync(engine, remove, dc, "finished", "failed");

        // Deactivation is the engine's alone (no agent verb): its job may well end before the kill; either way it ends in Maintenance.
        string domainPath = $"/api/datacenters/{dc}/storagedomains/{data}";
        var deactivate = await engine.KillDuringAsync(AfterAccepted, api => api.PostAsync(new Uri($"{domainPath}/deactivate", UriKind.Relative), null));
        Assert.Equal("finished", deactivate.Status);
        await NothingLockedAsync(engine, dc);
        Assert.Equal("maintenance", await DomainStatusAsync(engine, dc, data));

        // Activation reads the domain through a host, the SPM first: frozen, it holds the job STARTED.
        var activate = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsync(new Uri($"{domainPath}/activate", UriKind.Relative), null));
        await RecoveredAsync(engine, activate, dc, "finished");
        Assert.Equal("active", await DomainStatusAsync(engine, dc, data));
    }

    /// <summary>
    /// The job was STARTED at the kill, the next engine took it up and ended it as one of
    /// <paramref name="statuses"/>, saying so in an event, and nothing is left LOCKED.
    /// </summary>
    private async Task RecoveredAsync(KillableEngine engine, Killed killed, string dc, params string[] statuses)
    {
        output.WriteLine($"{killed.Job["action_type"]}: {killed.Status}");
        Assert.True(killed.StartedAtKill, $"{killed.Job["action_type"]} ended before the kill: {killed.Job.ToJsonString()}");
        Assert.Contains(killed.Status, statuses);
        Assert.Contains(engine.Lines, l => l.Contains($"recovering job {killed.JobId}", StringComparison.Ordinal));
        var events = (await engine.GetAsync($"/api/events?job={killed.JobId}&max=1000"))["items"]!.AsArray();
        var ended = Assert.Single(events, e => (string?)e!["job_id"] == killed.JobId && ((string)e["description"]!).Contains(AfterRestart, StringComparison.Ordinal));
        output.WriteLine($"  {ended!["code_name"]}: {ended["description"]}");
        await NothingLockedAsync(engine, dc);
    }

    /// <summary>No job STARTED, no disk, snapshot or template LOCKED, every disk's chain the same in the rows and on storage, every domain Active or in Maintenance.</summary>
    private static async Task NothingLockedAsync(KillableEngine engine, string dc)
    {
        var jobs = (await engine.GetAsync("/api/jobs?max=1000"))["items"]!.AsArray();
        Assert.DoesNotContain(jobs, j => (string)j!["status"]! == "started");
        foreach (var disk in (await engine.GetAsync("/api/disks?max=1000"))["items"]!.AsArray())
        {
            Assert.True((string)disk!["status"]! != "locked", disk.ToJsonString());
            var chain = await engine.GetAsync($"/api/disks/{disk["id"]}/chain");
            Assert.True((bool)chain["agrees"]!, chain.ToJsonString());
        }

        foreach (var vm in (await engine.GetAsync("/api/vms?max=1000"))["items"]!.AsArray())
        {
            var snapshots = (await engine.GetAsync($"/api/vms/{vm!["id"]}/snapshots")).AsArray();
            Assert.DoesNotContain(snapshots, s => (string)s!["status"]! == "locked");
        }

        Assert.DoesNotContain((await engine.GetAsync("/api/templates?max=1000"))["items"]!.AsArray(), t => (string)t!["status"]! == "locked");
        foreach (var domain in (await engine.GetAsync($"/api/datacenters/{dc}/storagedomains")).AsArray())
        {
            Assert.Contains((string)domain!["status"]!, new[] { "active", "maintenance" });
        }
    }

    private static async Task<string> DomainStatusAsync(KillableEngine engine, string dc, Guid domain) =>
        (string)(await engine.GetAsync($"/api/datacenters/{dc}/storagedomains")).AsArray().Single(d => (string)d!["id"]! == domain.ToString())!["status"]!;
}
