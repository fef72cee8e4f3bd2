using System.Net;
using System.Text.Json.Nodes;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Hosts;

namespace Sanpool.Engine.Tests.Cli;

/// <summary>
/// <c>sanpool engine hosts|datacenters|domains|disks|jobs|events</c> in process against the
/// engine on the test server over fake agents: tables and JSON say what the API says, jobs are
/// followed to their end (a failed one exits 1 with its event), events are followed as they
/// happen, and every failure is one line.
/// </summary>
public sealed class EngineCliTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_host_added_through_the_CLI_shows_in_tables_and_JSON_with_its_imported_data_center_domains_and_disk()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        engine.Agents.Add(1, spm: "SPM");
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);

        var added = await cli.RunAsync("hosts", "add", "/run/fake/host1.sock", "--spm-priority", "7");
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal(["NAME", "STATUS", "SPM", "PRIORITY", "HOST ID", "ADDRESS", "ID"], Columns(Lines(added.Output)[0]));
        string[] row = Words(Lines(added.Output)[1]);
        Assert.Equal(["host1", "Up", "SPM", "7", "1", "/run/fake/host1.sock"], row[..6]);
        Guid hostId = Guid.Parse(row[6]);

        var listed = await cli.RunAsync("hosts", "list", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var hosts = JsonNode.Parse(listed.Output)!.AsArray();
        Assert.Equal(hostId.ToString(), (string)hosts.Single()!["id"]!);
        Assert.Equal("up", (string)hosts.Single()!["status"]!);

        var shown = await cli.RunAsync("hosts", "show", hostId.ToString());
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains(Lines(shown.Output), l => Words(l) is ["status:", "up"]);
        Assert.Contains(Lines(shown.Output), l => Words(l) is ["spm:", "priority=7,", "status=spm"]);
        Assert.Contains(Lines(shown.Output), l => Words(l) is ["data_center:", var dc] && dc == pool.Id.ToString());

        var centers = await cli.RunAsync("datacenters", "list");
        Assert.Equal(["NAME", "STATUS", "SPM HOST", "MASTER VERSION", "ID"], Columns(Lines(centers.Output)[0]));
        Assert.Equal([pool.Id.ToString("N")[..8], "up", hostId.ToString()], Words(Lines(centers.Output)[1])[..3]);

        var domains = await cli.RunAsync("domains", "list");
        Assert.Equal(3, Lines(domains.Output).Length);
        Assert.Contains(Lines(domains.Output), l => l.Contains("master", StringComparison.Ordinal) && l.EndsWith(pool.Domains[0].ToString(), StringComparison.Ordinal));

        var onDomain = await cli.RunAsync("domains", "disks", pool.Domains[1].ToString());
        Assert.True(onDomain.ExitCode == 0, onDomain.ToString());
        Assert.Equal(["data01", "OK", "COW", "sparse", "1.0", "GiB", "203.0", "MiB", "2"], Words(Lines(onDomain.Output)[1])[..9]);
        Assert.Single(Lines((await cli.RunAsync("domains", "disks", pool.Domains[0].ToString())).Output));

        var disk = JsonNode.Parse((await cli.RunAsync("disks", "show", pool.Disk.ToString(), "--json")).Output)!;
        Assert.Equal(("data01", 2), ((string)disk["alias"]!, (int)disk["volumes"]!));

        // Two pages of one host each are read as one list.
        engine.Agents.Add(2);
        Assert.Equal(0, (await cli.RunAsync("hosts", "add", "/run/fake/host2.sock")).ExitCode);
        var paged = await cli.RunAsync("hosts", "list", "--max", "1");
        Assert.Equal(["host1", "host2"], Lines(paged.Output)[1..].Select(l => Words(l)[0]));
        var onePage = await cli.RunAsync("hosts", "list", "--max", "1", "--page", "2", "--json");
        Assert.Equal("host2", (string)JsonNode.Parse(onePage.Output)!.AsArray().Single()!["name"]!);

        // Maintenance and back: the table says the status after the action.
        var host2 = (string)JsonNode.Parse(onePage.Output)!.AsArray().Single()!["id"]!;
        var maintenance = await cli.RunAsync("hosts", "maintenance", host2);
        Assert.True(maintenance.ExitCode == 0, maintenance.ToString());
        Assert.Equal("Maintenance", Words(Lines(maintenance.Output)[1])[1]);
        Assert.Equal(0, (await cli.RunAsync("hosts", "activate", host2)).ExitCode);
    }

    [Fact]
    public async Task Unknown_ids_a_refused_login_a_missing_login_and_a_silent_address_each_give_one_error_line()
    {
        await using var engine = await HostsHarness.StartAsync();
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);
        var missing = Guid.NewGuid();

        string line = (await cli.RunAsync("hosts", "show", missing.ToString())).AssertOneErrorLine("HOST_NOT_FOUND");
        Assert.Contains(missing.ToString(), line, StringComparison.Ordinal);
        (await cli.RunAsync("disks", "show", missing.ToString())).AssertOneErrorLine("DISK_NOT_FOUND");
        (await cli.RunAsync("jobs", "wait", missing.ToString())).AssertOneErrorLine("JOB_NOT_FOUND");
        (await cli.RunAsync("disks", "remove", missing.ToString(), "--wait")).AssertOneErrorLine("DISK_NOT_FOUND");
        (await cli.RunAsync("hosts", "select-as-spm", missing.ToString())).AssertOneErrorLine("HOST_NOT_FOUND");
        (await cli.RunAsync("hosts", "show", "not-a-uuid")).AssertOneErrorLine("INVALID_ARGUMENT", exitCode: 2);

        string refused = (await cli.RunAsync("hosts", "list", "--user", "admin", "--password", "wrong-password")).AssertOneErrorLine("UNAUTHENTICATED");
        Assert.Contains("refused the login", refused, StringComparison.Ordinal);
        string anonymous = (await cli.RunAsync("hosts", "list", "--token", "no-such-token")).AssertOneErrorLine("UNAUTHENTICATED");
        Assert.Contains(EngineCli.TestUrl, anonymous, StringComparison.Ordinal);

        // Nothing listens on a port just released.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var nowhere = new EngineCli(null);
        string refusedConnection = (await nowhere.RunAsync("hosts", "list", "--engine", $"https://127.0.0.1:{port}")).AssertOneErrorLine("ENGINE_UNREACHABLE");
        Assert.Contains("connection refused", refusedConnection, StringComparison.Ordinal);
        (await nowhere.RunAsync("hosts", "list", "--engine", "ftp://127.0.0.1:21")).AssertOneErrorLine("INVALID_ARGUMENT", exitCode: 2);
        (await nowhere.RunAsync("hosts", "list", "--engine", "unix:/nonexistent/engine.sock")).AssertOneErrorLine("ENGINE_UNREACHABLE");
    }

    [Fact]
    public async Task Jobs_wait_follows_a_job_step_by_step_to_its_end_and_a_failed_job_exits_1_saying_what_its_last_event_says()
    {
        await using var engine = await HostsHarness.StartAsync();
        var db = engine.Db;
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);

        // A job of two steps, moved along while the CLI follows it.
        var job = NewJob(db, "Adding Disk followed");
        var first = NewStep(job, db, 1, "Creating volume");
        var second = NewStep(job, db, 2, "Settling the rows");
        await db.Jobs.StartJobAsync(job, None);
        await db.Jobs.AddStepAsync(first, None);
        var progress = new CliWriter();
        var following = cli.RunAsync(["jobs", "wait", job.JobId.ToString()], None, error: progress);
        await progress.WaitForAsync("step 1/1 Creating volume: 0%", following, Soon);
        await db.Jobs.UpdateStepProgressAsync(first.StepId, 60, None);
        await progress.WaitForAsync("Creating volume: 60%", following, Soon);
        await db.Jobs.EndStepAsync(first.StepId, JobExecutionStatus.FINISHED, None);
        await db.Jobs.AddStepAsync(second, None);
        await progress.WaitForAsync("step 2/2 Settling the rows: 0%", following, Soon);
        await db.Jobs.UpdateStepProgressAsync(second.StepId, 100, None);
        await db.Jobs.EndStepAsync(second.StepId, JobExecutionStatus.FINISHED, None);
        await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FINISHED, None);
        var finished = await following.WaitAsync(Soon);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.Equal($"job {job.JobId} FINISHED: Adding Disk followed", finished.Output.Trim());
        Assert.Contains("step 1/1 Creating volume: 100%", progress.Text, StringComparison.Ordinal);
        Assert.Contains("step 2/2 Settling the rows: 100%", progress.Text, StringComparison.Ordinal);

        // A job that fails: its own record says only FAILED; the CLI says why from the job's events, not another job's.
        var failing = NewJob(db, "Adding Disk doomed");
        await db.Jobs.StartJobAsync(failing, None);
        await db.Jobs.AddStepAsync(NewStep(failing, db, 1, "Creating volume"), None);
        await Event(db, failing.JobId, AuditLogSeverity.NORMAL, EngineEventType.USER_ADD_DISK, "Add-Disk operation of doomed was initiated");
        await Event(db, failing.JobId, AuditLogSeverity.ERROR, EngineEventType.USER_ADD_DISK_FINISHED_FAILURE, "Add-Disk operation of doomed failed: VG_FULL (-643): no room");
        await Event(db, job.JobId, AuditLogSeverity.ERROR, EngineEventType.USER_ADD_DISK_FINISHED_FAILURE, "another job's failure");
        await db.Jobs.EndJobAsync(failing.JobId, JobExecutionStatus.FAILED, None);
        string failed = (await cli.RunAsync("jobs", "wait", failing.JobId.ToString())).AssertOneErrorLine("ENGINE_JOB_FAILED");
        Assert.EndsWith($"job {failing.JobId} (Adding Disk doomed) ended FAILED: Add-Disk operation of doomed failed: VG_FULL (-643): no room [USER_ADD_DISK_FINISHED_FAILURE]", failed, StringComparison.Ordinal);

        var list = await cli.RunAsync("jobs", "list");
        Assert.Equal(["ACTION", "STATUS", "STARTED", "ENDED", "DESCRIPTION", "ID"], Columns(Lines(list.Output)[0]));
        Assert.Contains(Lines(list.Output), l => l.Contains("FAILED", StringComparison.Ordinal) && l.EndsWith(failing.JobId.ToString(), StringComparison.Ordinal));
        var shown = await cli.RunAsync("jobs", "show", job.JobId.ToString());
        Assert.Contains(Lines(shown.Output), l => Words(l) is ["2", "FINISHED", "100%", "Settling", "the", "rows", "-"]);

        // The engine's filter the CLI reads: GET /api/events?job=ID has that job's events only.
        var ofJob = (await HostApiTests.GetAsync(engine, $"/api/events?job={failing.JobId}"))["items"]!.AsArray();
        Assert.Equal(["USER_ADD_DISK", "USER_ADD_DISK_FINISHED_FAILURE"], ofJob.Select(e => (string)e!["code_name"]!));
        Assert.Equal(1, (int)(await HostApiTests.GetAsync(engine, $"/api/events?job={job.JobId}"))["total"]!);
        using var bad = await engine.Admin.GetAsync(new Uri("/api/events?job=nope", UriKind.Relative));
        await Web.Problem.AssertAsync(bad, HttpStatusCode.BadRequest, "INVALID_ID");
        var document = JsonNode.Parse(await engine.Admin.GetStringAsync(new Uri(global::Sanpool.Engine.Web.EngineOpenApi.DocumentPath, UriKind.Relative)))!;
        var parameters = document["paths"]!["/api/events"]!["get"]!["parameters"]!.AsArray().Select(q => (string)q!["name"]!);
        Assert.Superset(new HashSet<string> { "from", "job", "max", "page" }, parameters.ToHashSet());
    }

    [Fact]
    public async Task Events_follow_prints_an_event_that_happens_after_it_started_and_stops_with_exit_0_when_cancelled()
    {
        await using var engine = await HostsHarness.StartAsync();
        var db = engine.Db;
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);
        await Event(db, null, AuditLogSeverity.NORMAL, EngineEventType.HOST_UP, "before: host1 is up");
        await Event(db, null, AuditLogSeverity.WARNING, EngineEventType.HOST_NON_RESPONSIVE, "before: host2 does not answer");

        var all = await cli.RunAsync("events");
        Assert.Equal(2, Lines(all.Output).Length);
        Assert.EndsWith("HOST_UP  before: host1 is up", Lines(all.Output)[0], StringComparison.Ordinal);
        var warnings = await cli.RunAsync("events", "--severity", "warning", "--json");
        Assert.Equal(["HOST_NON_RESPONSIVE"], JsonNode.Parse(warnings.Output)!.AsArray().Select(e => (string)e!["code_name"]!));
        Assert.Equal(["before: host2 does not answer"], Lines((await cli.RunAsync("events", "--last", "1")).Output).Select(l => l[(l.IndexOf("before", StringComparison.Ordinal))..]));

        using var stop = new CancellationTokenSource();
        var output = new CliWriter();
        var error = new CliWriter();
        var following = cli.RunAsync(["events", "--follow", "--last", "0", "--interval", "0.1"], stop.Token, output, error);
        await error.WaitForAsync("following the events", following, Soon);
        await Event(db, null, AuditLogSeverity.ERROR, EngineEventType.SPM_START_FAILED, "after: host3 could not start as SPM");
        await output.WaitForAsync("after: host3 could not start as SPM", following, Soon);
        await Event(db, null, AuditLogSeverity.NORMAL, EngineEventType.SPM_STARTED, "after: host1 is SPM");
        await output.WaitForAsync("after: host1 is SPM", following, Soon);
        await stop.CancelAsync();
        var ended = await following.WaitAsync(Soon);
        Assert.True(ended.ExitCode == 0, ended.ToString());
        Assert.Equal(2, Lines(ended.Output).Length);
        Assert.DoesNotContain("before:", ended.Output, StringComparison.Ordinal);
        Assert.Contains("ERROR    ", Lines(ended.Output)[0], StringComparison.Ordinal);
        Assert.Contains("SPM_START_FAILED  after: host3 could not start as SPM", Lines(ended.Output)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_s_login_lasts_one_command_while_the_token_of_engine_login_lasts_for_later_ones()
    {
        await using var engine = await HostsHarness.StartAsync();
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);

        Assert.Equal(0, (await cli.RunAsync("jobs", "list")).ExitCode);
        Assert.Equal(["POST /api/sso/token", "GET /api/jobs", "DELETE /api/tokens/current"], cli.Requests);

        var login = await cli.RunAsync("login", "--name", "nightly");
        Assert.True(login.ExitCode == 0, login.ToString());
        string token = login.Output.Trim();
        Assert.Contains("give it with --token or $SANPOOL_ENGINE_TOKEN", login.Error, StringComparison.Ordinal);
        Assert.Equal("POST /api/sso/token", cli.Requests.Last());

        cli.Requests.Clear();
        var withToken = await cli.RunAsync("datacenters", "list", "--token", token);
        Assert.True(withToken.ExitCode == 0, withToken.ToString());
        Assert.Equal(["GET /api/datacenters"], cli.Requests);
        Assert.Equal(0, (await cli.RunAsync("datacenters", "list", "--token", token)).ExitCode);
        (await cli.RunAsync("login", "--token", token)).AssertOneErrorLine("INVALID_ARGUMENT", exitCode: 2);
    }

    internal static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A table's header cut into its columns (two spaces or more apart).</summary>
    internal static string[] Columns(string header) => System.Text.RegularExpressions.Regex.Split(header.Trim(), " {2,}");

    private static Job NewJob(EngineDatabase db, string description) =>
        new(Guid.NewGuid(), "AddDisk", description, JobExecutionStatus.STARTED, null, true, db.Clock.GetUtcNow(), null, db.Clock.GetUtcNow(), "cli-test", false, true);

    private static Step NewStep(Job job, EngineDatabase db, int number, string description) =>
        new(Guid.NewGuid(), null, job.JobId, StepType.EXECUTING, description, number, JobExecutionStatus.STARTED, 0, db.Clock.GetUtcNow(), null, job.CorrelationId, null, null);

    private static Task<long> Event(EngineDatabase db, Guid? jobId, AuditLogSeverity severity, EngineEventType type, string message) =>
        db.AuditLog.AppendAsync(new AuditLog(0, db.Clock.GetUtcNow(), (int)type, type.ToString(), severity, message, JobId: jobId), None);
}
