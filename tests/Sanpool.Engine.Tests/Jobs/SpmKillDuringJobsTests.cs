using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Harness.LocalPools;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// Kill -9 of the SPM's agent during each kind of job the engine runs (a VM snapshot, a
/// snapshot's removal, a disk's creation and removal), on three real agents over a block pool
/// (host_dead 16 s): each job ends, finished or failed, and the rows say what the storage says
/// once the next SPM has recovered the task; nothing stays LOCKED or STARTED.
/// </summary>
public sealed class SpmKillDuringJobsTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Kill_9_of_the_SPM_during_each_kind_of_job_leaves_the_rows_and_the_storage_agreeing()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        using var logs = new TestLogs();
        await using var engine = await DiskJobScenarioTests.StartAsync(pool, logs.Factory);
        try
        {
            await RunAsync(pool, engine);
        }
        finally
        {
            output.WriteLine("----- engine log -----");
            output.WriteLine(logs.All);
        }
    }

    private async Task RunAsync(LocalPool pool, HostsHarness engine)
    {
        var domain = pool.Domains[1];
        Guid disk = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "vm-disk");
        Guid spare = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "spare");
        using var defined = await engine.Admin.PostAsJsonAsync("/api/vms", new { name = "KillVM", disks = new[] { new { id = disk } } });
        Guid vm = Guid.Parse((string)JsonNode.Parse(await defined.Content.ReadAsStringAsync())!["id"]!);
        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        var first = await StartAsync(engine, HttpMethod.Post, $"/api/vms/{vm}/snapshots", new { description = "first" });
        Assert.Equal("finished", (string)(await DiskJobScenarioTests.WaitJobAsync(engine, first))["status"]!);
        Guid firstSnapshot = (await engine.Db.Snapshots.ListByVmAsync(vm, None)).Single(s => s.Description == "first").SnapshotId;
        var disks = new List<Guid> { disk, spare };

        var kinds = new (string Name, Func<Task<string>> Start)[]
        {
            ("VM snapshot", () => StartAsync(engine, HttpMethod.Post, $"/api/vms/{vm}/snapshots", new { description = "second" })),
            ("snapshot removal", () => StartAsync(engine, HttpMethod.Delete, $"/api/vms/{vm}/snapshots/{firstSnapshot}", null)),
            ("disk creation", async () =>
            {
                using var created = await engine.Admin.PostAsJsonAsync("/api/disks", new { alias = "during-kill", provisioned_size = 1L << 30, storage_domain = new { id = domain } });
                var accepted = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
                Assert.True(created.StatusCode == HttpStatusCode.Accepted, accepted.ToJsonString());
                disks.Add(Guid.Parse((string)accepted["disk"]!["id"]!));
                return (string)accepted["job"]!["id"]!;
            }),
            ("disk removal", () => StartAsync(engine, HttpMethod.Delete, $"/api/disks/{spare}", null)),
        };

        foreach (var (name, start) in kinds)
        {
            int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(90), null, None);
            engine.Clock.Advance(TimeSpan.FromMinutes(1));
            string job = await start();
            await pool.CrashAsync(spm, None);
            var ended = await DiskJobScenarioTests.WaitJobAsync(engine, job, TimeSpan.FromMinutes(3));
            output.WriteLine($"{name}: SPM host {spm} killed; job {(string)ended["status"]!}");
            Assert.Contains((string)ended["status"]!, new[] { "finished", "failed" });

            foreach (Guid d in disks)
            {
                var rows = await engine.Db.Images.ListByDiskAsync(d, None);
                Assert.True(
                    (await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, d)).SequenceEqual(rows.Select(r => r.ImageGuid)),
                    $"after the {name}: disk {d}'s rows differ from its chain on storage");
            }

            Assert.Empty(await engine.Db.Images.ListByStatusAsync(ImageStatus.LOCKED, None));
            Assert.Empty(await engine.Db.Jobs.ListStartedJobsAsync(None));
            Assert.All(await Seed003.RunAsync(engine.Db, None), r => Assert.Equal(SnapshotStatus.OK, r.Status));
            // The killed host back, and the engine told who is SPM now (this harness runs no host monitor).
            pool.Start(spm);
            await WaitAnsweringAsync(pool);
            await pool.WaitForSpmAsync(TimeSpan.FromSeconds(90), null, None);
            await engine.PollAsync();
        }
    }

    /// <summary>Until every agent answers (a restarted one listens a moment after it starts) and has checked its domains.</summary>
    private static async Task WaitAnsweringAsync(LocalPool pool)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await HostsScenarioTests.WaitCheckedAsync(pool);
                return;
            }
            catch (Sanpool.Core.SanpoolException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private static async Task<string> StartAsync(HostsHarness engine, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await engine.Admin.SendAsync(request);
        var accepted = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, accepted.ToJsonString());
        return (string)accepted["job"]!["id"]!;
    }
}
