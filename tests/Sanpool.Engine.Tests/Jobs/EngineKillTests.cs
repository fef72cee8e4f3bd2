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
/// block pool, one kind after another on the same pool and the same data_dir (a pool costs more
/// than the ten restarts). The SPM's agent is frozen (SIGSTOP) around each kill
/// (<see cref="KillableEngine.Freeze"/>): before the request, so the task the job submits in the
/// background is never made; once the engine accepted a request that submits in the request (a
/// disk's creation); or once the job's step names its task, so the task runs on storage while the
/// engine dies. Started again, the engine finds the job STARTED, waits for its task if there is
/// one, and ends it as the storage says: nothing stays LOCKED, every disk's rows are its chain on
/// storage, and an event says the job was finished after the restart (oVirt needs
/// unlock_entity.sh and taskcleaner.sh for this). The kinds: a disk's creation and removal, a VM
/// snapshot and its merge, a disk's copy and move, a template and a VM made from it, and a
/// domain's activation, detach and attach. A domain's deactivation is the engine's alone (no
/// agent verb to hold it), so it usually ends before the kill; it is checked to end in
/// Maintenance all the same. A master move is not here: it ends the SPM's role, which this
/// test's frozen SPM stands on.
/// </summary>
public sealed class EngineKillTests(ITestOutputHelper output)
{
    private const string AfterRestart = "(finished after an engine restart)";

    [Fact]
    public async Task An_engine_killed_in_the_middle_of_any_job_finishes_it_after_its_restart_and_leaves_nothing_locked()
    {
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
        await using var test = await EnginePool.CreateAsync(output, hosts: 2, domains: 3);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, CancellationToken.None);
        await HostsScenarioTests.WaitCheckedAsync(pool);
        var (master, data, spare) = (pool.Domains[0], pool.Domains[1], pool.Domains[2]);

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

        // Each kind twice: killed before its task could be submitted (the storage has nothing
        // of it: the job FAILED, or for a removal goes on and FINISHED), then killed with its task
        // running on the SPM (the next engine waits for the task: FINISHED), which also makes what
        // the next kind needs.
        var snapshot = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/vms/{vm}/snapshots", new { description = "not made" }));
        await RecoveredAsync(engine, snapshot, dc, "failed");
        snapshot = await engine.KillDuringAsync(OnceSubmitted, api => api.PostAsJsonAsync($"/api/vms/{vm}/snapshots", new { description = "made" }));
        await RecoveredAsync(engine, snapshot, dc, "finished");
        string snapshotId = (string)snapshot.Accepted["snapshot"]!["id"]!;
        Assert.Equal(2, (await engine.GetAsync($"/api/disks/{vmDisk}"))["volumes"]!.GetValue<int>());

        var merge = await engine.KillDuringAsync(BeforeRequest, api => api.DeleteAsync(new Uri($"/api/vms/{vm}/snapshots/{snapshotId}", UriKind.Relative)));
        await RecoveredAsync(engine, merge, dc, "failed");
        merge = await engine.KillDuringAsync(OnceSubmitted, api => api.DeleteAsync(new Uri($"/api/vms/{vm}/snapshots/{snapshotId}", UriKind.Relative)));
        await RecoveredAsync(engine, merge, dc, "finished");
        Assert.Equal(1, (await engine.GetAsync($"/api/disks/{vmDisk}"))["volumes"]!.GetValue<int>());

        var copy = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/disks/{survivor}/copy", new { storage_domain = new { id = master }, alias = "not-copied" }));
        await RecoveredAsync(engine, copy, dc, "failed");
        copy = await engine.KillDuringAsync(OnceSubmitted, api => api.PostAsJsonAsync($"/api/disks/{survivor}/copy", new { storage_domain = new { id = master }, alias = "survivor-copy" }));
        await RecoveredAsync(engine, copy, dc, "finished");
        string survivorCopy = (string)copy.Accepted["disk"]!["id"]!;
        Assert.Equal(master.ToString(), (string)(await engine.GetAsync($"/api/disks/{survivorCopy}"))["storage_domains"]![0]!["id"]!);

        // The copy just made read this disk with an image.copy task of its own: the move's recovery must not take it for the move's.
        var move = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/disks/{survivor}/move", new { storage_domain = new { id = master } }));
        Assert.Contains("the copy's task is gone", await RecoveredAsync(engine, move, dc, "failed"), StringComparison.Ordinal);
        Assert.Equal(data.ToString(), (string)(await engine.GetAsync($"/api/disks/{survivor}"))["storage_domains"]![0]!["id"]!);
        move = await engine.KillDuringAsync(OnceSubmitted, api => api.PostAsJsonAsync($"/api/disks/{survivor}/move", new { storage_domain = new { id = master } }));
        await RecoveredAsync(engine, move, dc, "finished");
        Assert.Equal(master.ToString(), (string)(await engine.GetAsync($"/api/disks/{survivor}"))["storage_domains"]![0]!["id"]!);

        var template = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync("/api/templates", new { vm = new { id = vm }, name = "not-made-tpl" }));
        await RecoveredAsync(engine, template, dc, "failed");
        template = await engine.KillDuringAsync(OnceSubmitted, api => api.PostAsJsonAsync("/api/templates", new { vm = new { id = vm }, name = "made-tpl" }));
        await RecoveredAsync(engine, template, dc, "finished");
        string templateId = (string)template.Accepted["template"]!["id"]!;

        var clone = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync("/api/vms", new { name = "not-made", template = new { id = templateId } }));
        await RecoveredAsync(engine, clone, dc, "failed");
        clone = await engine.KillDuringAsync(OnceSubmitted, api => api.PostAsJsonAsync("/api/vms", new { name = "clone1", template = new { id = templateId } }));
        await RecoveredAsync(engine, clone, dc, "finished");
        Assert.Equal("clone1", (string)(await engine.GetAsync($"/api/vms/{clone.Accepted["vm"]!["id"]}"))["name"]!);

        var remove = await engine.KillDuringAsync(BeforeRequest, api => api.DeleteAsync(new Uri($"/api/disks/{survivorCopy}", UriKind.Relative)));
        await RecoveredAsync(engine, remove, dc, "finished");
        using (var gone = await engine.Api.GetAsync(new Uri($"/api/disks/{survivorCopy}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

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

        // Detach and attach run pool.detach and pool.attach on the SPM: frozen before the request, neither reaches the
        // pool keys, so the next engine finds the domain where it was.
        string sparePath = $"/api/datacenters/{dc}/storagedomains/{spare}";
        Assert.Equal("finished", (string)(await engine.WaitJobAsync(await engine.PostAsync($"{sparePath}/deactivate", null, HttpStatusCode.Accepted)))["status"]!);
        var detach = await engine.KillDuringAsync(BeforeRequest, api => api.DeleteAsync(new Uri(sparePath, UriKind.Relative)));
        Assert.Contains("the pool keys still list it", await RecoveredAsync(engine, detach, dc, "failed"), StringComparison.Ordinal);
        Assert.Equal("maintenance", await DomainStatusAsync(engine, dc, spare));
        using (var detached = await engine.Api.DeleteAsync(new Uri(sparePath, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Accepted, detached.StatusCode);
            Assert.Equal("finished", (string)(await engine.WaitJobAsync(JsonNode.Parse(await detached.Content.ReadAsStringAsync())!))["status"]!);
        }

        var attach = await engine.KillDuringAsync(BeforeRequest, api => api.PostAsJsonAsync($"/api/datacenters/{dc}/storagedomains", new { id = spare }));
        Assert.Contains("the pool keys do not list it", await RecoveredAsync(engine, attach, dc, "failed"), StringComparison.Ordinal);
        Assert.DoesNotContain((await engine.GetAsync($"/api/datacenters/{dc}/storagedomains")).AsArray(), d => (string)d!["id"]! == spare.ToString());
    }

    /// <summary>
    /// The job was STARTED at the kill, the next engine took it up and ended it as one of
    /// <paramref name="statuses"/>, saying so in an event, and nothing is left LOCKED.
    /// </summary>
    /// <returns>What the event that ended the job says (null if the job ended before the kill).</returns>
    private async Task<string?> RecoveredAsync(KillableEngine engine, Killed killed, string dc, params string[] statuses)
    {
        output.WriteLine($"{killed.Job["action_type"]}: {killed.Status}{(killed.StartedAtKill ? "" : ", ended before the kill")}");
        Assert.Contains(killed.Status, statuses);
        if (!killed.StartedAtKill)
        {
            // Its task ended before the SPM froze (OnceSubmitted only): the engine that died had ended the job itself.
            Assert.Equal(KillableEngine.Freeze.OnceSubmitted, killed.Freeze);
            await NothingLockedAsync(engine, dc);
            return null;
        }

        Assert.Contains(engine.Lines, l => l.Contains($"recovering job {killed.JobId}", StringComparison.Ordinal));
        var events = (await engine.GetAsync($"/api/events?job={killed.JobId}&max=1000"))["items"]!.AsArray();
        var ended = Assert.Single(events, e => (string?)e!["job_id"] == killed.JobId && ((string)e["description"]!).Contains(AfterRestart, StringComparison.Ordinal));
        output.WriteLine($"  {ended!["code_name"]}: {ended["description"]}");
        await NothingLockedAsync(engine, dc);
        return (string)ended["description"]!;
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
