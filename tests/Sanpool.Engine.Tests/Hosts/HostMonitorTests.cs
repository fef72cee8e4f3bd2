using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>The host monitor's rounds over fake agents, on a clock the test moves.</summary>
public sealed class HostMonitorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_round_marks_answering_hosts_Up_records_the_SPM_and_domain_sizes_and_an_agent_that_stops_answering_NonResponsive_with_one_event()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        engine.Agents.Add(1, spm: "SPM");
        var second = engine.Agents.Add(2);
        string spm = await HostApiTests.AddAsync(engine, "/run/fake/host1.sock");
        string other = await HostApiTests.AddAsync(engine, "/run/fake/host2.sock");

        await engine.PollAsync();
        var hosts = await engine.Db.Hosts.ListAllViewsAsync(None);
        Assert.All(hosts, h => Assert.Equal(VdsStatus.Up, h.Dynamic.Status));
        Assert.Equal([SpmStatus.SPM, SpmStatus.None], hosts.Select(h => h.Dynamic.SpmStatus));
        var dc = await engine.Db.Pools.GetPoolAsync(pool.Id, None);
        Assert.Equal(Guid.Parse(spm), dc!.SpmVdsId);
        Assert.Equal(StoragePoolStatus.Up, dc.Status);
        var sizes = await engine.Db.Pools.GetDomainDynamicAsync(pool.Domains[1], None);
        Assert.Equal((3, 5), (sizes!.AvailableDiskSize, sizes.UsedDiskSize));
        long lastEvent = (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(1), None))[0].AuditLogId;

        second.Down = true;
        engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await engine.PollAsync();
        await engine.PollAsync();
        var lost = (await engine.Db.Hosts.GetViewAsync(Guid.Parse(other), None))!;
        Assert.Equal(VdsStatus.NonResponsive, lost.Dynamic.Status);
        Assert.Contains("/run/fake/host2.sock", lost.Dynamic.NonOperationalReason, StringComparison.Ordinal);
        Assert.Equal(Sanpool.Engine.Tests.Data.Sample.T0, lost.Dynamic.LastSeen);
        var events = await engine.Db.AuditLog.ListSinceAsync(lastEvent, 100, None);
        var single = Assert.Single(events);
        Assert.Equal(nameof(EngineEventType.HOST_NON_RESPONSIVE), single.LogTypeName);
        Assert.Equal("host2", single.VdsName);
        Assert.Equal(pool.Id.ToString("N")[..8], single.StoragePoolName);

        second.Down = false;
        await engine.PollAsync();
        Assert.Equal(VdsStatus.Up, (await engine.Db.Hosts.GetViewAsync(Guid.Parse(other), None))!.Dynamic.Status);
        Assert.Equal(nameof(EngineEventType.HOST_UP), (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(1), None))[0].LogTypeName);
    }

    [Fact]
    public async Task A_host_that_cannot_read_an_active_domain_stays_Up_until_the_grace_ends_then_goes_NonOperational_naming_the_domain()
    {
        await using var engine = await HostsHarness.StartAsync(nonOperationalAfterSeconds: 60);
        var pool = engine.Agents.Pool;
        engine.Agents.Add(1, spm: "SPM");
        var blind = engine.Agents.Add(2);
        string id = await HostApiTests.AddAsync(engine, "/run/fake/host2.sock");
        await HostApiTests.AddAsync(engine, "/run/fake/host1.sock");
        blind.Blind.Add(pool.Domains[1]);

        await engine.PollAsync();
        engine.Clock.Advance(TimeSpan.FromSeconds(59));
        await engine.PollAsync();
        Assert.Equal(VdsStatus.Up, (await engine.Db.Hosts.GetViewAsync(Guid.Parse(id), None))!.Dynamic.Status);

        engine.Clock.Advance(TimeSpan.FromSeconds(1));
        await engine.PollAsync();
        var host = (await engine.Db.Hosts.GetViewAsync(Guid.Parse(id), None))!;
        Assert.Equal(VdsStatus.NonOperational, host.Dynamic.Status);
        Assert.Contains(pool.Domains[1].ToString(), host.Dynamic.NonOperationalReason, StringComparison.Ordinal);
        Assert.Contains("read timed out", host.Dynamic.NonOperationalReason, StringComparison.Ordinal);
        var nonOperational = (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(1), None))[0];
        Assert.Equal(nameof(EngineEventType.HOST_NON_OPERATIONAL), nonOperational.LogTypeName);
        Assert.Contains(pool.Domains[1].ToString(), nonOperational.Message, StringComparison.Ordinal);

        blind.Blind.Clear();
        await engine.PollAsync();
        Assert.Equal(VdsStatus.Up, (await engine.Db.Hosts.GetViewAsync(Guid.Parse(id), None))!.Dynamic.Status);
    }

    [Fact]
    public async Task Without_an_SPM_answering_the_data_center_is_problematic_and_has_no_SPM()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        var spm = engine.Agents.Add(1, spm: "SPM");
        await HostApiTests.AddAsync(engine, "/run/fake/host1.sock");
        await engine.PollAsync();

        spm.Down = true;
        await engine.PollAsync();

        var dc = await HostApiTests.GetAsync(engine, $"/api/datacenters/{pool.Id}");
        Assert.Equal("problematic", (string)dc["status"]!);
        Assert.Null(dc["spm"]);
        Assert.Equal(nameof(EngineEventType.SPM_CHANGED), (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(1), None))[0].LogTypeName);
    }

    [Fact]
    public async Task Importing_a_pool_again_changes_nothing_and_a_disk_without_an_alias_is_named_from_its_id()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        pool.DiskDescription = "";
        engine.Agents.Add(1, spm: "SPM");
        var import = engine.App.Services.GetRequiredService<PoolImport>();
        var link = new AgentLink("/run/fake/host1.sock", null);

        var first = await import.ImportAsync(link, None);
        string after = await engine.CountsAsync();
        var second = await import.ImportAsync(link, None);

        Assert.Equal((true, 2, 1), (first.PoolAdded, first.DomainsAdded, first.DisksAdded));
        Assert.Equal((false, 0, 0), (second.PoolAdded, second.DomainsAdded, second.DisksAdded));
        Assert.Equal(after, await engine.CountsAsync());
        Assert.Equal("disk-" + pool.Disk.ToString("N")[..8], (await engine.Db.Disks.GetAsync(pool.Disk, None))!.DiskAlias);
    }
}
