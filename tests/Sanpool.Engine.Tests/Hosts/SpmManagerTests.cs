using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Api.Client;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Web;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>The engine's SPM selection and select-as-SPM over fake agents: rounds run by hand on a clock the test moves.</summary>
public sealed class SpmManagerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task With_no_SPM_the_engine_starts_the_Up_host_of_highest_priority_with_the_previous_id_and_lease_version_and_records_it()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        pool.SpmId = 3;
        pool.Lver = 7;
        var low = engine.Agents.Add(1);
        var high = engine.Agents.Add(2);
        var never = engine.Agents.Add(3);
        await AddAsync(engine, low, 2);
        string highId = await AddAsync(engine, high, 9);
        await AddAsync(engine, never, -1);

        await RoundAsync(engine);
        Assert.Empty(low.Starts);
        Assert.Empty(never.Starts);
        var start = Assert.Single(high.Starts);
        Assert.Equal((3, 7L), (start.PrevId, start.PrevLver));
        var dc = (await engine.Db.Pools.GetPoolAsync(pool.Id, None))!;
        Assert.Equal(Guid.Parse(highId), dc.SpmVdsId);
        Assert.Equal(StoragePoolStatus.Up, dc.Status);
        var started = await LastEventAsync(engine, EngineEventType.SPM_STARTED);
        Assert.Equal("host2", started.VdsName);
        Assert.Contains("version 8", started.Message, StringComparison.Ordinal);
        Assert.Contains("previous SPM host id 3 (host3)", started.Message, StringComparison.Ordinal);

        // The next rounds keep it: no second start.
        await RoundAsync(engine);
        await RoundAsync(engine);
        Assert.Single(high.Starts);
    }

    [Fact]
    public async Task A_refused_start_is_an_event_naming_the_host_pool_and_lease_and_the_next_round_tries_again_but_only_priority_minus_one_hosts_get_none()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        pool.SpmId = -1;
        var host = engine.Agents.Add(1);
        var never = engine.Agents.Add(2);
        await AddAsync(engine, host, 5);
        await AddAsync(engine, never, -1);
        host.StartError = new SanpoolException(new ErrorCode(-131, "DOMAIN_BUSY"), "the SPM lease is held by another host", true);

        await RoundAsync(engine);
        var failed = await LastEventAsync(engine, EngineEventType.SPM_START_FAILED);
        Assert.Equal("host1", failed.VdsName);
        Assert.Contains("DOMAIN_BUSY", failed.Message, StringComparison.Ordinal);
        Assert.Contains($"SDM lease of master domain {pool.Domains[0]}", failed.Message, StringComparison.Ordinal);
        Assert.Contains(failed.StoragePoolName!, failed.Message, StringComparison.Ordinal);
        Assert.Null((await engine.Db.Pools.GetPoolAsync(pool.Id, None))!.SpmVdsId);

        host.StartError = null;
        engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await RoundAsync(engine);
        Assert.Equal(2, host.Starts.Count);
        Assert.Equal("SPM", host.Spm);
        Assert.Empty(never.Starts);

        // The only willing host goes down: no one to start, and the -1 host is still never asked.
        host.Down = true;
        pool.SpmId = -1;
        await RoundAsync(engine);
        await RoundAsync(engine);
        Assert.Empty(never.Starts);
    }

    [Fact]
    public async Task An_SPM_the_engine_finds_is_adopted_and_a_contending_host_is_left_to_finish()
    {
        await using var engine = await HostsHarness.StartAsync();
        var found = engine.Agents.Add(1, spm: "SPM");
        var other = engine.Agents.Add(2);
        string foundId = await AddAsync(engine, found, 0);
        await AddAsync(engine, other, 10);
        await RoundAsync(engine);
        Assert.Empty(found.Starts);
        Assert.Empty(other.Starts);
        Assert.Equal(Guid.Parse(foundId), (await engine.Db.Pools.GetPoolAsync(engine.Agents.Pool.Id, None))!.SpmVdsId);

        found.Spm = "Free";
        other.Spm = "Contend";
        await RoundAsync(engine);
        Assert.Empty(other.Starts);
        Assert.Empty(found.Starts);
    }

    [Fact]
    public async Task A_pool_whose_hosts_elect_by_themselves_is_left_to_their_election()
    {
        await using var engine = await HostsHarness.StartAsync();
        engine.Agents.Pool.SpmId = -1;
        var managed = engine.Agents.Add(1);
        var electing = engine.Agents.Add(2);
        electing.Managed = false;
        await AddAsync(engine, managed, 5);
        await AddAsync(engine, electing, 5);
        await RoundAsync(engine);
        await RoundAsync(engine);
        Assert.Empty(managed.Starts);
        Assert.Empty(electing.Starts);

        // Its host elects one: the engine records it.
        electing.Spm = "SPM";
        await RoundAsync(engine);
        Assert.Equal(SpmStatus.SPM, (await engine.Db.Hosts.ListAllViewsAsync(None)).Single(h => h.SpmId == 2).Dynamic.SpmStatus);
    }

    [Fact]
    public async Task Select_as_SPM_moves_the_role_and_is_refused_while_tasks_run_for_priority_minus_one_and_for_a_host_not_Up()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        var spm = engine.Agents.Add(1, spm: "SPM");
        var next = engine.Agents.Add(2);
        var never = engine.Agents.Add(3);
        var down = engine.Agents.Add(4);
        string spmId = await AddAsync(engine, spm, 5);
        string nextId = await AddAsync(engine, next, 1);
        string neverId = await AddAsync(engine, never, -1);
        string downId = await AddAsync(engine, down, 5);
        down.Down = true;
        await RoundAsync(engine);
        string before = await engine.CountsAsync();

        var task = new TaskInfo { Id = Guid.NewGuid(), Verb = "image.copy", State = TaskState.Running, Host = 1, Lver = 1 };
        spm.Tasks.Add(task);
        var busy = await Problem.AssertAsync(await SelectAsync(engine, nextId), HttpStatusCode.Conflict, "SPM_TASKS_RUNNING");
        Assert.Contains(task.Id.ToString(), (string)busy["detail"]!, StringComparison.Ordinal);
        Assert.Contains("image.copy", (string)busy["detail"]!, StringComparison.Ordinal);
        await Problem.AssertAsync(await SelectAsync(engine, neverId), HttpStatusCode.Conflict, "SPM_NOT_ALLOWED");
        var notUp = await Problem.AssertAsync(await SelectAsync(engine, downId), HttpStatusCode.Conflict, "SPM_NOT_ALLOWED");
        Assert.Contains("NonResponsive", (string)notUp["detail"]!, StringComparison.Ordinal);
        await Problem.AssertAsync(await SelectAsync(engine, Guid.NewGuid().ToString()), HttpStatusCode.NotFound, "HOST_NOT_FOUND");
        Assert.Equal(before, await engine.CountsAsync());
        Assert.Empty(next.Starts);
        Assert.Equal("SPM", spm.Spm);

        // The task ends: the role moves, the old SPM stopped first.
        spm.Tasks[0] = task with { State = TaskState.Finished };
        using var moved = await SelectAsync(engine, nextId);
        var host = JsonNode.Parse(await moved.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal("spm", (string)host["spm"]!["status"]!);
        Assert.Equal(1, (int)host["spm"]!["priority"]!);
        Assert.Equal("Free", spm.Spm);
        Assert.Equal("SPM", next.Spm);
        var start = Assert.Single(next.Starts);
        Assert.Equal(-1, start.PrevId);
        Assert.Equal(Guid.Parse(nextId), (await engine.Db.Pools.GetPoolAsync(pool.Id, None))!.SpmVdsId);
        Assert.Equal(SpmStatus.None, (await engine.Db.Hosts.GetViewAsync(Guid.Parse(spmId), None))!.Dynamic.SpmStatus);
        Assert.Equal("host1", (await LastEventAsync(engine, EngineEventType.SPM_STOPPED)).VdsName);
        Assert.Equal("host2", (await LastEventAsync(engine, EngineEventType.SPM_STARTED)).VdsName);

        // Selecting the SPM again is a no-op.
        using var again = await SelectAsync(engine, nextId);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single(next.Starts);
    }

    [Fact]
    public async Task Select_as_SPM_is_refused_while_the_current_SPM_does_not_answer()
    {
        await using var engine = await HostsHarness.StartAsync();
        var spm = engine.Agents.Add(1, spm: "SPM");
        var next = engine.Agents.Add(2);
        await AddAsync(engine, spm, 5);
        string nextId = await AddAsync(engine, next, 5);
        await RoundAsync(engine);
        spm.Down = true;
        var problem = await Problem.AssertAsync(await SelectAsync(engine, nextId), HttpStatusCode.Conflict, "SPM_CONFLICT");
        Assert.Contains("lease has expired", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Empty(next.Starts);
    }

    [Fact]
    public async Task An_SPM_that_cannot_read_a_domain_another_host_reads_is_stopped_and_the_next_round_starts_that_host()
    {
        await using var engine = await HostsHarness.StartAsync(nonOperationalAfterSeconds: 10);
        var pool = engine.Agents.Pool;
        var spm = engine.Agents.Add(1, spm: "SPM");
        var seer = engine.Agents.Add(2);
        await AddAsync(engine, spm, 9);
        string seerId = await AddAsync(engine, seer, 1);
        await RoundAsync(engine);

        // Blind to a domain, but not yet for long enough to be NonOperational: it stays.
        spm.Blind.Add(pool.Domains[1]);
        await RoundAsync(engine);
        Assert.Equal("SPM", spm.Spm);

        engine.Clock.Advance(TimeSpan.FromSeconds(11));
        await RoundAsync(engine);
        Assert.Equal("Free", spm.Spm);
        var stopped = await LastEventAsync(engine, EngineEventType.SPM_STOPPED);
        Assert.Equal("host1", stopped.VdsName);
        Assert.Contains(pool.Domains[1].ToString(), stopped.Message, StringComparison.Ordinal);
        Assert.Contains("host2 can", stopped.Message, StringComparison.Ordinal);

        // Host 1 is NonOperational, so host 2 is the one Up candidate despite its lower priority.
        await RoundAsync(engine);
        Assert.Equal("SPM", seer.Spm);
        Assert.Empty(spm.Starts);
        Assert.Equal(Guid.Parse(seerId), (await engine.Db.Pools.GetPoolAsync(pool.Id, None))!.SpmVdsId);
    }

    private static async Task RoundAsync(HostsHarness engine)
    {
        await engine.PollAsync();
        await engine.App.Services.GetRequiredService<SpmManager>().IdleAsync();
    }

    private static Task<HttpResponseMessage> SelectAsync(HostsHarness engine, string id) =>
        engine.Admin.PostAsync($"/api/hosts/{id}/selectasspm", null);

    private static async Task<string> AddAsync(HostsHarness engine, FakeAgent agent, int priority)
    {
        using var response = await engine.Admin.PostAsync("/api/hosts",
            System.Net.Http.Json.JsonContent.Create(new { address = agent.Address, spm_priority = priority }));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return (string)JsonNode.Parse(text)!["id"]!;
    }

    private static async Task<AuditLog> LastEventAsync(HostsHarness engine, EngineEventType type)
    {
        var events = await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(200), None);
        return events.First(e => e.LogTypeName == type.ToString());
    }
}
