using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Core;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// kill -9 of a real engine process in the middle of a disk job, with real agents on a block
/// pool: the SPM is frozen (SIGSTOP) right after the engine accepted the job, so the engine
/// cannot have ended it when it dies. Started again on the same data_dir, the engine finds the
/// job STARTED, waits for the SPM's task, and ends the job with the rows the storage agrees with:
/// nothing stays LOCKED, as oVirt needs unlock_entity.sh and taskcleaner.sh for.
/// </summary>
public sealed partial class EngineKillTests(ITestOutputHelper output)
{
    private const string Password = "kill-test-password";
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_engine_killed_in_the_middle_of_a_disk_job_finishes_it_after_its_restart_and_leaves_nothing_locked()
    {
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
        await HostsScenarioTests.WaitCheckedAsync(pool);
        var domain = pool.Domains[1];

        using var dir = new TempDir("engine-kill");
        string config = dir.File("engine.json");
        await File.WriteAllTextAsync(config, $$"""
            { "data_dir": "{{dir.File("data")}}", "listen": "http://127.0.0.1:0", "insecure_http": true,
              "admin_password": "{{Password}}", "host_poll_seconds": 2 }
            """);
        var lines = new ConcurrentQueue<string>();
        Process? engine = null;
        bool frozen = false;
        try
        {
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            using var api = Client(await ListeningAsync(lines, engine));
            foreach (int host in pool.HostIds)
            {
                using var added = await api.PostAsJsonAsync("/api/hosts", new { address = pool.SocketOf(host) });
                Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
            }

            await WaitAsync(api, "/api/hosts", h => h["items"]!.AsArray().All(x => (string)x!["status"]! == "up"));

            using var accepted = await api.PostAsJsonAsync(
                "/api/disks", new { alias = "survivor", provisioned_size = 1L << 30, format = "cow", storage_domain = new { id = domain } });
            pool.Signal(spm, Signals.SIGSTOP);
            frozen = true;
            var body = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!;
            Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, body.ToJsonString());
            string jobId = (string)body["job"]!["id"]!;
            string diskId = (string)body["disk"]!["id"]!;
            Assert.Equal("started", (string)(await GetAsync(api, $"/api/jobs/{jobId}"))["status"]!);
            Assert.Equal("locked", (string)(await GetAsync(api, $"/api/disks/{diskId}"))["status"]!);

            Assert.Equal(0, Signals.Kill(engine.Id, Signals.SIGKILL));
            await engine.WaitForExitAsync(None);
            engine.Dispose();
            engine = null;
            pool.Signal(spm, Signals.SIGCONT);
            frozen = false;

            lines.Clear();
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            using var again = Client(await ListeningAsync(lines, engine));
            var job = await WaitAsync(again, $"/api/jobs/{jobId}", j => (string)j["status"]! != "started");
            Assert.Equal("finished", (string)job["status"]!);
            var disk = await GetAsync(again, $"/api/disks/{diskId}");
            Assert.Equal("ok", (string)disk["status"]!);
            using var client = pool.Client(spm);
            var volumes = await client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), None);
            Assert.Equal(Guid.Parse((string)disk["image_id"]!), Assert.Single(volumes.Chains.Single(c => c.Image == Guid.Parse(diskId)).Volumes));
            var events = (await GetAsync(again, "/api/events?max=100"))["items"]!.AsArray();
            var finished = Assert.Single(events, e => (string)e!["code_name"]! == "USER_ADD_DISK_FINISHED_SUCCESS")!;
            Assert.Contains("after an engine restart", (string)finished["description"]!, StringComparison.Ordinal);
            Assert.Contains(lines, l => l.Contains($"recovering job {jobId}", StringComparison.Ordinal));
        }
        finally
        {
            if (frozen)
            {
                pool.Signal(spm, Signals.SIGCONT);
            }

            if (engine is not null)
            {
                if (!engine.HasExited)
                {
                    _ = Signals.Kill(engine.Id, Signals.SIGKILL);
                    engine.WaitForExit(TimeSpan.FromSeconds(10));
                }

                engine.Dispose();
            }

            foreach (string line in lines)
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// kill -9 while a VM start waits for its host (the host's agent frozen before the start was
    /// asked, so the engine cannot have ended it): the next engine asks the host, which does not
    /// run the VM, so the VM is Down with why, its image no longer served, the job FAILED, and
    /// nothing holds the VM: a snapshot is taken at once. No guest boots (the start never reached
    /// vm.start), so the test costs no emulated CPU.
    /// </summary>
    [Fact]
    public async Task An_engine_killed_while_a_VM_starts_leaves_it_down_and_unlocked_after_its_restart()
    {
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
        await using var test = await EnginePool.CreateAsync(output, hosts: 2);
        var pool = test.Pool;
        pool.StartAll();
        await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
        await HostsScenarioTests.WaitCheckedAsync(pool);
        var domain = pool.Domains[1];
        int target = pool.HostIds.Last();

        using var dir = new TempDir("engine-kill-vm");
        string config = dir.File("engine.json");
        await File.WriteAllTextAsync(config, $$"""
            { "data_dir": "{{dir.File("data")}}", "listen": "http://127.0.0.1:0", "insecure_http": true,
              "admin_password": "{{Password}}", "host_poll_seconds": 2,
              "vms": { "kernel": "/srv/sanpool/vm/vmlinuz", "initrd": "/srv/sanpool/vm/initrd.gz", "memory_mib": 256 } }
            """);
        var lines = new ConcurrentQueue<string>();
        Process? engine = null;
        bool frozen = false;
        try
        {
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            using var api = Client(await ListeningAsync(lines, engine));
            string? hostId = null;
            foreach (int host in pool.HostIds)
            {
                using var added = await api.PostAsJsonAsync("/api/hosts", new { address = pool.SocketOf(host) });
                string text = await added.Content.ReadAsStringAsync();
                Assert.True(added.StatusCode == HttpStatusCode.Created, text);
                hostId = host == target ? (string)JsonNode.Parse(text)!["id"]! : hostId;
            }

            await WaitAsync(api, "/api/hosts", h => h["items"]!.AsArray().All(x => (string)x!["status"]! == "up"));
            using var created = await api.PostAsJsonAsync("/api/disks", new { alias = "vmdisk", provisioned_size = 1L << 30, format = "cow", storage_domain = new { id = domain } });
            string diskId = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["disk"]!["id"]!;
            await WaitAsync(api, $"/api/disks/{diskId}", d => (string)d["status"]! == "ok");
            using var defined = await api.PostAsJsonAsync("/api/vms", new { name = "KilledVM", disks = new[] { new { id = diskId } } });
            string vmId = (string)JsonNode.Parse(await defined.Content.ReadAsStringAsync())!["id"]!;

            pool.Signal(target, Signals.SIGSTOP);
            frozen = true;
            using var accepted = await api.PostAsJsonAsync($"/api/vms/{vmId}/start", new { host = new { id = hostId } });
            var body = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!;
            Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, body.ToJsonString());
            string jobId = (string)body["job"]!["id"]!;
            Assert.Equal("wait_for_launch", (string)(await GetAsync(api, $"/api/vms/{vmId}"))["status"]!);

            Assert.Equal(0, Signals.Kill(engine.Id, Signals.SIGKILL));
            await engine.WaitForExitAsync(None);
            engine.Dispose();
            engine = null;
            pool.Signal(target, Signals.SIGCONT);
            frozen = false;

            lines.Clear();
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            using var again = Client(await ListeningAsync(lines, engine));
            var job = await WaitAsync(again, $"/api/jobs/{jobId}", j => (string)j["status"]! != "started");
            Assert.Equal("failed", (string)job["status"]!);
            var vm = await GetAsync(again, $"/api/vms/{vmId}");
            Assert.Equal("down", (string)vm["status"]!);
            Assert.Contains("does not run it", (string)vm["exit_message"]!, StringComparison.Ordinal);
            Assert.Null(vm["host"]);
            Assert.DoesNotContain((await pool.InvokeAsync(target, "image.prepared", null, None)).AsArray(), p => (string?)p!["image"] == diskId);
            Assert.Contains(lines, l => l.Contains($"recovering job {jobId}", StringComparison.Ordinal));

            using var snapshot = await again.PostAsJsonAsync($"/api/vms/{vmId}/snapshots", new { description = "after the kill" });
            Assert.True(snapshot.StatusCode == HttpStatusCode.Accepted, await snapshot.Content.ReadAsStringAsync());
            string snapshotJob = (string)JsonNode.Parse(await snapshot.Content.ReadAsStringAsync())!["job"]!["id"]!;
            Assert.Equal("finished", (string)(await WaitAsync(again, $"/api/jobs/{snapshotJob}", j => (string)j["status"]! != "started"))["status"]!);
        }
        finally
        {
            if (frozen)
            {
                pool.Signal(target, Signals.SIGCONT);
            }

            if (engine is not null)
            {
                if (!engine.HasExited)
                {
                    _ = Signals.Kill(engine.Id, Signals.SIGKILL);
                    engine.WaitForExit(TimeSpan.FromSeconds(10));
                }

                engine.Dispose();
            }

            foreach (string line in lines)
            {
                output.WriteLine(line);
            }
        }
    }

    private static HttpClient Client(string url)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")));
        return client;
    }

    private static async Task<JsonNode> GetAsync(HttpClient api, string path)
    {
        using var response = await api.GetAsync(new Uri(path, UriKind.Relative));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<JsonNode> WaitAsync(HttpClient api, string path, Func<JsonNode, bool> done)
    {
        var clock = Stopwatch.StartNew();
        JsonNode node;
        do
        {
            node = await GetAsync(api, path);
            if (done(node))
            {
                return node;
            }

            await Task.Delay(250);
        }
        while (clock.Elapsed < TimeSpan.FromMinutes(2));

        Assert.Fail($"GET {path} never got there: {node.ToJsonString()}");
        return node;
    }

    private static async Task<string> ListeningAsync(ConcurrentQueue<string> lines, Process engine)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (string line in lines)
            {
                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    return match.Groups[1].Value;
                }
            }

            Assert.False(engine.HasExited, $"the engine exited:\n{string.Join('\n', lines)}");
            await Task.Delay(100);
        }

        throw new TimeoutException($"the engine did not say where it listens:\n{string.Join('\n', lines)}");
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
