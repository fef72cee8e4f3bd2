using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Reconciliation;
using Sanpool.Engine.Tests.Hosts;
using Sanpool.Engine.Tests.Jobs;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Reconciliation;

/// <summary>
/// Seed 003 for a whole domain, on three real agents over a block pool: differences made on
/// purpose behind the engine's back (a snapshot taken on the SPM, a volume deleted on the SPM, a
/// row edited by hand, a disk made on the SPM that the engine never saw) are all found from one
/// read of the domain; a reconciliation round fixes the safe ones as jobs and reports the rest
/// once, as one event, until it changes.
/// </summary>
public sealed class DomainReconciliationScenarioTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Every_difference_on_a_domain_is_found_from_one_read_and_a_round_fixes_the_safe_ones_and_reports_the_rest_once()
    {
        await using var test = await EnginePool.CreateAsync(output);
        var pool = test.Pool;
        await using var engine = await DiskJobScenarioTests.StartAsync(pool);
        var domain = pool.Domains[1];
        Guid snapshotted = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "snapshotted");
        Guid shortened = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "shortened");
        Guid edited = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "edited");
        Guid sound = await DiskJobScenarioTests.CreateDiskAsync(engine, domain, "sound");

        var agreeing = await HostApiTests.GetAsync(engine, $"/api/storagedomains/{domain}/chains");
        Assert.True((bool)agreeing["agrees"]!, agreeing.ToJsonString());
        Assert.Equal(4, (int)agreeing["disks"]!);

        // Behind the engine's back: a snapshot on one disk; a snapshot on another whose row is then
        // written and whose volume is deleted again; a row's parent edited; a disk the engine never saw.
        string d = domain.ToString();
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "snapshot.create", new() { ["domain"] = d, ["image"] = snapshotted.ToString() });
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "snapshot.create", new() { ["domain"] = d, ["image"] = shortened.ToString() });
        await engine.App.Services.GetRequiredService<DiskReconciler>().ReconcileAsync(shortened, "test", null, None);
        var shortenedChain = await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, shortened);
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "volume.delete", new() { ["domain"] = d, ["image"] = shortened.ToString(), ["volume"] = shortenedChain[^1].ToString() });
        var editedLeaf = (await engine.Db.Images.ListByDiskAsync(edited, None))[0].ImageGuid;
        await engine.Db.TransactAsync(s => s.ExecuteAsync("UPDATE images SET size = @size WHERE image_guid = @editedLeaf", new { size = 2 * GiB, editedLeaf }, None), None);
        Guid stranger = Guid.NewGuid();
        await DiskJobScenarioTests.RunOnSpmAsync(pool, "image.create", new() { ["domain"] = d, ["image"] = stranger.ToString(), ["size"] = GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow" });

        var drifted = await HostApiTests.GetAsync(engine, $"/api/storagedomains/{domain}/chains");
        Assert.False((bool)drifted["agrees"]!);
        var kinds = drifted["disagreeing"]!.AsArray().ToDictionary(r => Guid.Parse((string)r!["disk"]!), r => r!["differences"]!.AsArray().Select(x => (string)x!["kind"]!).ToList());
        Assert.Equal(new[] { edited, shortened, snapshotted }.Order(), kinds.Keys.Order());
        Assert.Equal(["orphan_on_storage"], kinds[snapshotted]);
        Assert.Equal(["missing_on_storage"], kinds[shortened]);
        Assert.Equal(["size_differs"], kinds[edited]);
        Assert.Equal([stranger.ToString()], drifted["unknown_images"]!.AsArray().Select(i => (string)i!));

        // A round: the three safe fixes as jobs, the stranger reported once for an admin.
        var loop = engine.App.Services.GetRequiredService<ReconciliationLoop>();
        Assert.Equal(3, await loop.RoundAsync(None));
        var after = await HostApiTests.GetAsync(engine, $"/api/storagedomains/{domain}/chains");
        Assert.Empty(after["disagreeing"]!.AsArray());
        Assert.Equal([stranger.ToString()], after["unknown_images"]!.AsArray().Select(i => (string)i!));
        foreach (var disk in new[] { snapshotted, shortened, edited, sound })
        {
            Assert.Equal(
                await DiskJobScenarioTests.ChainOnStorageAsync(pool, domain, disk),
                (await engine.Db.Images.ListByDiskAsync(disk, None)).Select(i => i.ImageGuid));
        }

        Assert.Equal(GiB, (await engine.Db.Images.ListByDiskAsync(edited, None))[0].Size);
        Assert.Equal(0, await loop.RoundAsync(None));
        var events = await engine.Db.AuditLog.ListSinceAsync(0, 1000, None);
        var needsAdmin = Assert.Single(events, e => e.LogTypeName == nameof(EngineEventType.DOMAIN_NEEDS_ADMIN));
        Assert.Contains(stranger.ToString(), needsAdmin.Message, StringComparison.Ordinal);
        Assert.Equal(3 + 1, events.Count(e => e.LogTypeName == nameof(EngineEventType.DISK_RECONCILED)));
        Assert.Empty(await engine.Db.Jobs.ListStartedJobsAsync(None));

        // On demand, through the API: nothing left that is safe to fix.
        using var response = await engine.Admin.PostAsync($"/api/storagedomains/{domain}/reconcile", null);
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.OK, result.ToJsonString());
        Assert.Empty(result["fixed"]!.AsArray());
        Assert.Empty(result["waiting"]!.AsArray());
        Assert.Equal([stranger.ToString()], result["before"]!["unknown_images"]!.AsArray().Select(i => (string)i!));
    }
}
