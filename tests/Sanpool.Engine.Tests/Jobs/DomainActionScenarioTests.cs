using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Web;
using Sanpool.Harness.LocalPools;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// A data center's storage domain actions through the engine's API on real agents over a block
/// pool (root, loop devices, lvm): every refusal is one problem with its code and leaves the rows
/// and the pool keys as they were; maintenance, activation, detach, attach and a master move end
/// with rows that say what the storage says; the SPM's maintenance hands its role on.
/// </summary>
public sealed class DomainActionScenarioTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Domain_actions_refuse_with_nothing_changed_and_end_with_the_rows_the_storage_says()
    {
        await using var test = await EnginePool.CreateAsync(output, hosts: 2, domains: 3);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        Guid dc = pool.Pool;
        Guid master = pool.Domains[0];
        Guid vmDomain = pool.Domains[1];
        Guid spare = pool.Domains[2];
        Guid vmDisk = await DiskJobScenarioTests.CreateDiskAsync(engine, vmDomain, "vmdisk");
        Guid spareDisk = await DiskJobScenarioTests.CreateDiskAsync(engine, spare, "sparedisk");
        var spareVolumes = await DiskJobScenarioTests.ChainOnStorageAsync(pool, spare, spareDisk);
        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "vm1", disks = new[] { new { id = vmDisk } } });
        Guid vm = Guid.Parse((string)JsonNode.Parse(await defined.Content.ReadAsStringAsync())!["id"]!);

        // Refusals: each one problem with its code; no row, no job, no pool key changes.
        string rowsBefore = await StateAsync(engine);
        string keysBefore = await KeysAsync(pool);
        await RefusedAsync(engine, HttpMethod.Delete, $"/api/datacenters/{dc}/storagedomains/{spare}", HttpStatusCode.Conflict, "STORAGE_DOMAIN_STATE_CONFLICT", "maintenance first");
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{master}/deactivate", HttpStatusCode.Conflict, "STORAGE_DOMAIN_IS_MASTER", "move the master");
        await RefusedAsync(engine, HttpMethod.Delete, $"/api/datacenters/{dc}/storagedomains/{master}", HttpStatusCode.Conflict, "STORAGE_DOMAIN_IS_MASTER", "move the master");
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{spare}/activate", HttpStatusCode.Conflict, "STORAGE_DOMAIN_STATE_CONFLICT", "needs it Maintenance");
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{master}/makemaster", HttpStatusCode.Conflict, "STORAGE_DOMAIN_IS_MASTER", "already");
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains", HttpStatusCode.Conflict, "STORAGE_DOMAIN_ATTACHED", "already", new { id = spare });
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{Guid.NewGuid()}/storagedomains/{spare}/deactivate", HttpStatusCode.NotFound, "DATA_CENTER_NOT_FOUND", "does not exist");
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{Guid.NewGuid()}/deactivate", HttpStatusCode.NotFound, "STORAGE_DOMAIN_NOT_FOUND", "does not exist");

        // A running VM's disk, and a LOCKED disk (a job works on it), keep their domain out of maintenance.
        await engine.Db.Vms.SetStatusAsync(vm, VmStatus.Up, null, null, None);
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{vmDomain}/deactivate", HttpStatusCode.Conflict, "STORAGE_DOMAIN_IN_USE", "VM vm1 (Up)");
        await engine.Db.Vms.SetStatusAsync(vm, VmStatus.Down, null, null, None);
        var leaf = (await engine.Db.Images.ListByDiskAsync(spareDisk, None))[^1].ImageGuid;
        await engine.Db.Images.SetStatusAsync(leaf, ImageStatus.LOCKED, None);
        string lockedRows = await StateAsync(engine);
        await RefusedAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{spare}/deactivate", HttpStatusCode.Conflict, "STORAGE_DOMAIN_IN_USE", $"LOCKED disks: disk {spareDisk}");
        Assert.Equal(lockedRows, await StateAsync(engine));
        await engine.Db.Images.SetStatusAsync(leaf, ImageStatus.OK, None);
        Assert.Equal(rowsBefore, await StateAsync(engine));
        Assert.Equal(keysBefore, await KeysAsync(pool));

        // Maintenance: the domain leaves the engine's jobs (a disk create there is refused), then comes back.
        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{spare}/deactivate", "finished", nameof(EngineEventType.USER_DEACTIVATED_STORAGE_DOMAIN));
        Assert.Equal(StorageDomainStatus.Maintenance, await StatusInAsync(engine, dc, spare));
        using (var refused = await engine.Admin.PostAsJsonAsync("/api/disks", new { alias = "x", provisioned_size = 1L << 30, storage_domain = new { id = spare } }))
        {
            await Problem.AssertAsync(refused, HttpStatusCode.Conflict, "STORAGE_DOMAIN_STATE_CONFLICT");
        }

        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{spare}/activate", "finished", nameof(EngineEventType.USER_ACTIVATED_STORAGE_DOMAIN));
        Assert.Equal(StorageDomainStatus.Active, await StatusInAsync(engine, dc, spare));

        // The VM's domain in maintenance cannot be detached: its disk belongs to the VM.
        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{vmDomain}/deactivate", "finished", nameof(EngineEventType.USER_DEACTIVATED_STORAGE_DOMAIN));
        await RefusedAsync(engine, HttpMethod.Delete, $"/api/datacenters/{dc}/storagedomains/{vmDomain}", HttpStatusCode.Conflict, "STORAGE_DOMAIN_IN_USE", "of VM vm1");
        Assert.Equal(StorageDomainStatus.Maintenance, await StatusInAsync(engine, dc, vmDomain));
        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{vmDomain}/activate", "finished", nameof(EngineEventType.USER_ACTIVATED_STORAGE_DOMAIN));

        // Detach: off the pool keys and the domain's own POOL_UUID; its row in the data center and its disks' rows go, its volumes stay.
        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{spare}/deactivate", "finished", nameof(EngineEventType.USER_DEACTIVATED_STORAGE_DOMAIN));
        await RunAsync(engine, HttpMethod.Delete, $"/api/datacenters/{dc}/storagedomains/{spare}", "finished", nameof(EngineEventType.USER_DETACH_STORAGE_DOMAIN_FROM_POOL));
        var keys = await PoolInfoAsync(pool);
        Assert.False(keys.Domains.ContainsKey(spare));
        Assert.True(string.IsNullOrEmpty((await DomainInfoAsync(pool, spare)).Pool));
        Assert.Null(await StatusInAsync(engine, dc, spare));
        Assert.NotNull(await engine.Db.Pools.GetDomainAsync(spare, None));
        Assert.Null(await engine.Db.Disks.GetAsync(spareDisk, None));
        Assert.Equal(spareVolumes, await DiskJobScenarioTests.ChainOnStorageAsync(pool, spare, spareDisk));
        var listed = await HostApiTests.GetAsync(engine, $"/api/datacenters/{dc}/storagedomains");
        Assert.DoesNotContain(listed.AsArray(), d => (string)d!["id"]! == spare.ToString());

        // Attach it again: Active in the pool keys and the rows, and its disk read back from the storage.
        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains", "finished", nameof(EngineEventType.USER_ATTACH_STORAGE_DOMAIN_TO_POOL), new { id = spare });
        Assert.Equal("Active", (await PoolInfoAsync(pool)).Domains[spare]);
        Assert.Equal(dc.ToString(), (await DomainInfoAsync(pool, spare)).Pool);
        Assert.Equal(StorageDomainStatus.Active, await StatusInAsync(engine, dc, spare));
        Assert.Equal(spareVolumes, (await engine.Db.Images.ListByDiskAsync(spareDisk, None)).Select(i => i.ImageGuid));
        Assert.Equal("sparedisk", (await engine.Db.Disks.GetAsync(spareDisk, None))!.DiskAlias);

        // Master move: the storage's MASTER_VERSION and roles, then the rows; the next SPM is elected on the new master.
        int versionBefore = (await PoolInfoAsync(pool)).MasterVersion;
        await RunAsync(engine, HttpMethod.Post, $"/api/datacenters/{dc}/storagedomains/{spare}/makemaster", "finished", nameof(EngineEventType.USER_MOVED_MASTER_STORAGE_DOMAIN));
        Assert.Equal("Master", (await DomainInfoAsync(pool, spare)).Role, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Regular", (await DomainInfoAsync(pool, master)).Role, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(StorageDomainType.Master, (await engine.Db.Pools.GetDomainAsync(spare, None))!.StorageDomainType);
        Assert.Equal(StorageDomainType.Data, (await engine.Db.Pools.GetDomainAsync(master, None))!.StorageDomainType);
        Assert.Equal(versionBefore + 1, (await engine.Db.Pools.GetPoolAsync(dc, None))!.MasterDomainVersion);
        Assert.Equal(StorageDomainStatus.Active, await StatusInAsync(engine, dc, spare));
        int spmHost = await WaitEngineSpmAsync(engine, pool, dc);

        // The SPM's maintenance: it gives up the role, and the next rounds elect the other host.
        string spmId = (await engine.Db.Hosts.ListAllViewsAsync(None)).Single(h => h.SpmId == spmHost).Static.VdsId.ToString();
        using (var deactivated = await engine.Admin.PostAsync($"/api/hosts/{spmId}/deactivate", null))
        {
            var host = JsonNode.Parse(await deactivated.Content.ReadAsStringAsync())!;
            Assert.True(deactivated.StatusCode == HttpStatusCode.OK, host.ToJsonString());
            Assert.Equal("maintenance", (string)host["status"]!);
        }

        int next = await WaitEngineSpmAsync(engine, pool, dc);
        Assert.NotEqual(spmHost, next);
        Assert.Equal(next, (await PoolInfoAsync(pool)).SpmId);
    }

    /// <summary>Every row the actions touch, and the job count: what "nothing changed" compares.</summary>
    private static async Task<string> StateAsync(HostsHarness engine)
    {
        var maps = await engine.Db.Pools.ListIsoMapAsync((await engine.Db.Pools.ListPoolsAsync(Sanpool.Engine.Data.Page.First(10), None))[0].Id, None);
        var images = await engine.Db.Images.ListByStatusAsync(ImageStatus.LOCKED, None);
        return $"{await engine.CountsAsync()} jobs={await engine.Db.Jobs.CountJobsAsync(None)} " +
            string.Join(",", maps.Select(m => $"{m.StorageId}:{m.Status}")) + " locked=" + string.Join(",", images.Select(i => i.ImageGuid));
    }

    private static async Task<string> KeysAsync(LocalPool pool)
    {
        var keys = await PoolInfoAsync(pool);
        return $"v{keys.MasterVersion} spm={keys.SpmId} " + string.Join(",", keys.Domains.OrderBy(d => d.Key).Select(d => $"{d.Key}:{d.Value}"));
    }

    private static Task<PoolInfoReply> PoolInfoAsync(LocalPool pool) =>
        AskAsync(pool, c => c.CallAsync(AgentVerbs.PoolInfo, new PoolInfoRequest(), None));

    private static Task<DomainInfoReply> DomainInfoAsync(LocalPool pool, Guid domain) =>
        AskAsync(pool, c => c.CallAsync(AgentVerbs.DomainInfo, new DomainInfoRequest(domain), None));

    /// <summary>Asks the running hosts in turn; after a master move they reconnect (NOT_CONNECTED, POOL_NOT_FOUND, WRONG_MASTER for a few seconds).</summary>
    private static async Task<T> AskAsync<T>(LocalPool pool, Func<Sanpool.Api.Client.AgentClient, Task<T>> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            foreach (int host in pool.Running)
            {
                try
                {
                    using var client = pool.Client(host);
                    return await call(client);
                }
                catch (Sanpool.Core.SanpoolException e) when (DateTime.UtcNow < deadline && e.Code.Name is "NOT_CONNECTED" or "POOL_NOT_FOUND" or "WRONG_MASTER")
                {
                }
            }

            await Task.Delay(500);
        }
    }

    private static async Task<StorageDomainStatus?> StatusInAsync(HostsHarness engine, Guid dc, Guid domain) =>
        (await engine.Db.Pools.ListIsoMapAsync(dc, None)).SingleOrDefault(m => m.StorageId == domain)?.Status;

    private static async Task RefusedAsync(HostsHarness engine, HttpMethod method, string path, HttpStatusCode status, string error, string saying, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await engine.Admin.SendAsync(request);
        var problem = await Problem.AssertAsync(response, status, error);
        Assert.Contains(saying, (string)problem["detail"]!, StringComparison.Ordinal);
    }

    /// <summary>Runs an action: 202 with its job at Location, the job's end, and its one event.</summary>
    private static async Task RunAsync(HostsHarness engine, HttpMethod method, string path, string outcome, string eventName, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await engine.Admin.SendAsync(request);
        var accepted = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{method} {path}: {accepted.ToJsonString()}");
        string jobId = (string)accepted["job"]!["id"]!;
        Assert.EndsWith($"/api/jobs/{jobId}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var job = await DiskJobScenarioTests.WaitJobAsync(engine, jobId);
        Assert.True((string)job["status"]! == outcome, job.ToJsonString());
        var events = await DiskJobScenarioTests.EventsOfAsync(engine, Guid.Parse(jobId));
        Assert.Equal([eventName], events.Select(e => e.LogTypeName));
    }

    /// <summary>Polls the engine until its data center names an SPM the storage agrees with; returns its host id.</summary>
    private static async Task<int> WaitEngineSpmAsync(HostsHarness engine, LocalPool pool, Guid dc)
    {
        var spm = engine.App.Services.GetRequiredService<SpmManager>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            await engine.PollAsync();
            await spm.IdleAsync();
            if ((await engine.Db.Pools.GetPoolAsync(dc, None))?.SpmVdsId is { } vds
                && (await engine.Db.Hosts.GetViewAsync(vds, None)) is { Dynamic.SpmStatus: SpmStatus.SPM, SpmId: int hostId }
                && (await PoolInfoAsync(pool)).SpmId == hostId)
            {
                return hostId;
            }

            await Task.Delay(500);
        }

        Assert.Fail("no SPM within 90 s");
        return 0;
    }
}
