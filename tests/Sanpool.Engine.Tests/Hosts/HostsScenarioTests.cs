using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sanpool.Api;
using Sanpool.Api.Host;
using Sanpool.Api.Pools;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Web;
using Sanpool.Harness.LocalPools;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>The engine over three real agents on a block pool of two domains (root, loop devices, lvm).</summary>
public sealed class HostsScenarioTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_engine_imports_a_running_pool_through_its_first_host_refuses_a_taken_host_id_polls_every_host_and_sees_one_die()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);

        // Before the engine sees the pool: a disk and a snapshot of it, made through the SPM.
        var domain = pool.Domains[1];
        var image = Guid.NewGuid();
        await RunTaskAsync(pool, spm, "image.create", new()
        {
            ["domain"] = domain.ToString(), ["image"] = image.ToString(), ["size"] = "1073741824", ["format"] = "cow",
            ["description"] = "{\"DiskAlias\":\"scenario-disk\"}",
        });
        await RunTaskAsync(pool, spm, "snapshot.create", new() { ["domain"] = domain.ToString(), ["image"] = image.ToString() });
        await WaitCheckedAsync(pool);
        int first = pool.HostIds.First(h => h != spm);

        await using var engine = await HostsHarness.StartAsync(realAgents: true);
        string firstId = await HostApiTests.AddAsync(engine, pool.SocketOf(first));

        // The pool, both domains and the disk appeared, its chain as domain.volumes says it.
        var dc = await HostApiTests.GetAsync(engine, $"/api/datacenters/{pool.Pool}");
        Assert.Equal(pool.Pool.ToString(), (string)dc["id"]!);
        var domains = (await HostApiTests.GetAsync(engine, "/api/storagedomains"))["items"]!.AsArray();
        Assert.Equal(pool.Domains.Order(), domains.Select(d => Guid.Parse((string)d!["id"]!)).Order());
        Assert.True((bool)domains.Single(d => (string)d!["id"]! == pool.Master.ToString())!["master"]!);
        var disk = await HostApiTests.GetAsync(engine, $"/api/disks/{image}");
        Assert.Equal("scenario-disk", (string)disk["alias"]!);
        Assert.Equal(2, (int)disk["volumes"]!);
        using var client = pool.Client(first);
        var volumes = await client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), None);
        var chain = volumes.Chains.Single(c => c.Image == image).Volumes;
        var rows = await engine.Db.Images.ListByDiskAsync(image, None);
        Assert.Equal(chain, rows.Select(r => r.ImageGuid));
        Assert.Equal([Guid.Empty, chain[0]], rows.Select(r => r.ParentId));
        Assert.Equal([false, true], rows.Select(r => r.Active));
        Assert.Equal([VolumeClassification.Snapshot, VolumeClassification.Volume], rows.Select(r => r.VolumeClassification));
        Assert.All(rows, r => Assert.Equal((ImageStatus.OK, VolumeFormat.COW, 1L << 30), (r.ImageStatus, r.VolumeFormat, r.Size)));
        Assert.Equal(chain.Select(v => volumes.Volumes.Single(x => x.Id == v).Metadata!.Capacity), rows.Select(r => r.Size));

        // The other two hosts; then the second again, and another address (a link to its socket) claiming its host id.
        var ids = new Dictionary<int, string> { [first] = firstId };
        foreach (int host in pool.HostIds.Where(h => h != first))
        {
            ids[host] = await HostApiTests.AddAsync(engine, pool.SocketOf(host));
        }

        int second = pool.HostIds.First(h => h != first);
        string before = await engine.CountsAsync();
        using (var again = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = pool.SocketOf(second), name = "again" }))
        {
            await Problem.AssertAsync(again, HttpStatusCode.Conflict, "HOST_ADDRESS_EXISTS");
        }

        string alias = Path.Combine(test.Directory, "alias.sock");
        File.CreateSymbolicLink(alias, pool.SocketOf(second));
        using (var impostor = await engine.Admin.PostAsJsonAsync("/api/hosts", new { address = alias, name = "impostor" }))
        {
            var problem = await Problem.AssertAsync(impostor, HttpStatusCode.Conflict, "HOST_ID_EXISTS");
            Assert.Contains(pool.SocketOf(second), (string)problem["detail"]!, StringComparison.Ordinal);
        }

        Assert.Equal(before, await engine.CountsAsync());

        // A poll round: all Up, the SPM host is SPM and the data center's SPM.
        await engine.PollAsync();
        var hosts = (await HostApiTests.GetAsync(engine, "/api/hosts"))["items"]!.AsArray();
        Assert.All(hosts, h => Assert.Equal("up", (string)h!["status"]!));
        Assert.Equal(pool.HostIds.Order(), hosts.Select(h => (int)h!["host_id"]!).Order());
        var spmHost = hosts.Single(h => (int)h!["host_id"]! == spm)!;
        Assert.Equal("spm", (string)spmHost["spm"]!["status"]!);
        Assert.All(hosts.Where(h => h != spmHost), h => Assert.Equal("none", (string)h!["spm"]!["status"]!));
        var stored = await engine.Db.Pools.GetPoolAsync(pool.Pool, None);
        Assert.Equal(Guid.Parse(ids[spm]), stored!.SpmVdsId);
        Assert.Equal(StoragePoolStatus.Up, stored.Status);

        // kill -9 of an agent that is not SPM: the next round finds it NonResponsive, with an event.
        int victim = pool.HostIds.Last(h => h != spm);
        long lastEvent = (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(1), None))[0].AuditLogId;
        await pool.CrashAsync(victim, None);
        await engine.PollAsync();
        var dead = await HostApiTests.GetAsync(engine, $"/api/hosts/{ids[victim]}");
        Assert.Equal("non_responsive", (string)dead["status"]!);
        var events = await engine.Db.AuditLog.ListSinceAsync(lastEvent, 100, None);
        var lost = Assert.Single(events, e => e.LogTypeName == nameof(EngineEventType.HOST_NON_RESPONSIVE));
        Assert.Equal($"host{victim}", lost.VdsName);
        Assert.Equal(Guid.Parse(ids[spm]), (await engine.Db.Pools.GetPoolAsync(pool.Pool, None))!.SpmVdsId);

        // The dead host can go to maintenance (the SPM's maintenance is HostApiTests' and DomainActionScenarioTests'), and is then removed.
        using (var deactivated = await engine.Admin.PostAsync($"/api/hosts/{ids[victim]}/deactivate", null))
        {
            Assert.Equal(HttpStatusCode.OK, deactivated.StatusCode);
        }

        using (var removed = await engine.Admin.DeleteAsync($"/api/hosts/{ids[victim]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using var gone = await engine.Admin.GetAsync($"/api/hosts/{ids[victim]}");
        await Problem.AssertAsync(gone, HttpStatusCode.NotFound, "HOST_NOT_FOUND");
        Assert.Equal(2, (await engine.Db.Hosts.ListSpmIdsAsync(pool.Pool, None)).Count);
    }

    private static async Task RunTaskAsync(LocalPool pool, int spm, string verb, Dictionary<string, string> args)
    {
        string task = (string)(await pool.InvokeAsync(spm, verb, args, None))["task"]!["id"]!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode record;
        do
        {
            await Task.Delay(200);
            record = await pool.InvokeAsync(spm, "task.status", new Dictionary<string, string> { ["task"] = task }, None);
        }
        while ((string)record["state"]! is "running" or "queued" && DateTime.UtcNow < deadline);

        Assert.True((string)record["state"]! == "finished", record.ToJsonString());
    }

    /// <summary>Until every agent is connected and its monitor has checked the domains: what a first poll needs to say Up.</summary>
    internal static async Task WaitCheckedAsync(LocalPool pool)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (int host in pool.HostIds)
        {
            using var client = pool.Client(host);
            StatusReply status;
            do
            {
                status = await client.CallAsync(AgentVerbs.Status, new StatusRequest(), None);
                if (status is { Connected: true, SeesAll: true })
                {
                    break;
                }

                await Task.Delay(250);
            }
            while (DateTime.UtcNow < deadline);

            Assert.True(status is { Connected: true, SeesAll: true }, $"host {host}: connected {status.Connected}, sees all {status.SeesAll}");
        }
    }
}
