using Sanpool.Api.Client;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Agent.Tests.Api;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Cli;

/// <summary>
/// The real <c>./sanpool</c> against a real agent API on a unix socket, serving
/// <see cref="TaskAgent"/>: what the CLI's options become as a verb's arguments, what it prints
/// (a task id, JSON, a followed task's progress and result), and how it fails (no socket, a
/// refused token, NOT_SPM, a failed task, bad usage).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync")]
public sealed class AgentCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Domain = "5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44";
    private const string Target = "7c2d4f10-8e0b-4a6b-9a5e-1f2b3c4d5e6f";
    private const string Image = "a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f607";
    private const string Volume = "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293";
    private const string Other = "e5f60718-2930-4b4c-8d5e-6f7081920a1b";

    private readonly TempDir _dir = new("agent-cli");
    private readonly TaskAgent _agent = new();
    private TestLog? _log;
    private AgentApiServer? _server;

    private string Socket => _server!.SocketPath;

    public async Task InitializeAsync()
    {
        _log = new TestLog(output);
        _server = await AgentApi.StartAsync(_agent.Table, new AgentApiOptions { SocketPath = _dir.File("agent.sock"), HostName = "fakehost" }, _log.Factory, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _log?.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<string[], string, Dictionary<string, string>> Mappings => new()
    {
        {
            ["image", "create", Domain, "--size", "1G", "--format", "raw", "--allocation", "preallocated", "--image", Image, "--volume", Volume, "--description", "web disk"],
            "image.create",
            new() { ["domain"] = Domain, ["image"] = Image, ["volume"] = Volume, ["size"] = "1073741824", ["format"] = "RAW", ["allocation"] = "PREALLOCATED", ["description"] = "web disk" }
        },
        {
            ["image", "create", Domain, "--size", "3M", "--template", Other, "--image", Image, "--volume", Volume],
            "image.create",
            new() { ["domain"] = Domain, ["image"] = Image, ["volume"] = Volume, ["size"] = "3145728", ["format"] = "COW", ["allocation"] = "SPARSE", ["template"] = Other }
        },
        {
            ["snapshot", "create", Domain, Image, "--volume", Volume],
            "snapshot.create",
            new() { ["domain"] = Domain, ["image"] = Image, ["volume"] = Volume }
        },
        {
            ["image", "merge", Domain, Image, "--base", Volume, "--top", Other],
            "image.merge",
            new() { ["domain"] = Domain, ["image"] = Image, ["base"] = Volume, ["top"] = Other }
        },
        {
            ["image", "copy", Domain, Image, "--to", Target, "--collapse", "--new-image", Other],
            "image.copy",
            new() { ["domain"] = Domain, ["image"] = Image, ["target_domain"] = Target, ["collapse"] = "true", ["new_image"] = Other }
        },
        {
            ["image", "copy", Domain, Image, "--to", Target],
            "image.copy",
            new() { ["domain"] = Domain, ["image"] = Image, ["target_domain"] = Target, ["collapse"] = "false" }
        },
        {
            ["volume", "delete", Domain, Image, Volume],
            "volume.delete",
            new() { ["domain"] = Domain, ["image"] = Image, ["volume"] = Volume }
        },
        {
            // The CLI's IMAGE is the new template; the verb's image is the one collapsed into it.
            ["template", "create", Domain, Other, "--from-image", Image, "--volume", Volume],
            "template.create",
            new() { ["domain"] = Domain, ["image"] = Image, ["template"] = Other, ["volume"] = Volume }
        },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public async Task A_structural_verb_with_agent_sends_its_options_as_the_verbs_arguments_and_prints_the_task_id(string[] cli, string verb, Dictionary<string, string> args)
    {
        var run = await CliAsync([.. cli, "--agent", Socket]);

        Assert.Equal(0, run.ExitCode);
        var call = Assert.Single(_agent.Calls);
        Assert.Equal(verb, call.Verb);
        Assert.Equal(args.OrderBy(a => a.Key), call.Args.OrderBy(a => a.Key));
        var task = Assert.Single(await ListAsync());
        Assert.Equal((string)task["id"]!, run.StandardOutput.Trim());
    }

    [Fact]
    public async Task With_json_the_task_record_is_printed()
    {
        var run = await CliAsync("snapshot", "create", Domain, Image, "--agent", Socket, "--json");

        Assert.Equal(0, run.ExitCode);
        var task = JsonNode.Parse(run.StandardOutput)!;
        Assert.Equal("snapshot.create", (string)task["verb"]!);
        Assert.Equal("queued", (string)task["state"]!);
        Assert.True(Guid.TryParse((string)task["id"]!, out _));
    }

    [Fact]
    public async Task With_wait_the_task_is_followed_with_progress_on_stderr_and_its_result_printed()
    {
        var run = await CliAsync("image", "create", Domain, "--size", "10M", "--agent", Socket, "--wait");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("did image.create as asked", run.StandardOutput.Trim());

        // One submit, then task.status until finished: 30, 60, 90, finished.
        Assert.Equal(["image.create", "task.status", "task.status", "task.status", "task.status"], _agent.Calls.Select(c => c.Verb));
        string id = (string)(await ListAsync()).Single()["id"]!;
        foreach (var percent in new[] { 30, 60, 90, 100 })
        {
            Assert.Contains($"image.create {id}: {percent}%", run.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_wait_and_json_the_finished_record_is_printed()
    {
        var run = await CliAsync("volume", "delete", Domain, Image, Volume, "--agent", Socket, "--wait", "--json");

        Assert.Equal(0, run.ExitCode);
        var task = JsonNode.Parse(run.StandardOutput)!;
        Assert.Equal("finished", (string)task["state"]!);
        Assert.Equal(100, (double)task["progress"]!);
    }

    [Fact]
    public async Task A_task_that_fails_exits_1_with_its_error()
    {
        _agent.FailWith = "IMAGE_NOT_FOUND (-641): image a3f1c2d4 is not in domain 5e1b0a3c";

        var run = await CliAsync("snapshot", "create", Domain, Image, "--agent", Socket, "--wait");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.StandardOutput);
        Assert.Contains("(snapshot.create) failed: IMAGE_NOT_FOUND (-641): image a3f1c2d4 is not in domain 5e1b0a3c", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_CLI_while_it_follows_a_task_says_how_to_follow_it_again()
    {
        _agent.Stall = true;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var cli = SanpoolCli.Start(["snapshot", "create", Domain, Image, "--agent", Socket, "--wait"], lines.Enqueue);
        try
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (!lines.Any(l => l.Contains(": 30%", StringComparison.Ordinal)) && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }

            Assert.False(cli.HasExited, "the CLI stopped following a task that never ends");
            Assert.Equal(0, Sanpool.Core.Signals.Kill(cli.Id, Sanpool.Core.Signals.SIGTERM));
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await cli.WaitForExitAsync(exit.Token);
        }
        finally
        {
            await ToolRunner.StopAsync(cli, TimeSpan.FromSeconds(5));
        }

        output.WriteLine(string.Join('\n', lines));
        Assert.Equal(130, cli.ExitCode);
        string id = (string)(await ListAsync()).Single()["id"]!;
        Assert.Contains(lines, l => l.Contains($"'sanpool task status {id} --agent {Socket} --wait' follows it again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_host_that_is_not_SPM_refuses_and_the_message_names_the_SPM()
    {
        _agent.SpmId = 2;

        var run = await CliAsync("image", "create", Domain, "--size", "1G", "--agent", Socket, "--wait");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("sanpool: NOT_SPM (-702): ", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("the SPM is host 2", run.StandardError, StringComparison.Ordinal);
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Forward_sends_forward_true_with_the_verbs_arguments()
    {
        var run = await CliAsync("snapshot", "create", Domain, Image, "--volume", Volume, "--agent", Socket, "--forward");

        Assert.Equal(0, run.ExitCode);
        var call = Assert.Single(_agent.Calls);
        Assert.Equal("true", call.Args["forward"]);
        Assert.Equal(Volume, call.Args["volume"]);
        Assert.DoesNotContain(_agent.Calls, c => c.Verb == "task.status");
    }

    [Fact]
    public async Task Without_forward_no_forward_argument_is_sent()
    {
        var run = await CliAsync("snapshot", "create", Domain, Image, "--agent", Socket);

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("forward", Assert.Single(_agent.Calls).Args.Keys);
    }

    [Fact]
    public async Task A_missing_socket_is_a_clear_error_naming_it_and_the_command_that_starts_an_agent()
    {
        string missing = _dir.File("run/nobody.sock");

        var run = await CliAsync("spm", "status", "--agent", missing);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"AGENT_UNREACHABLE (-720): no agent socket at {missing}", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("sanpool agent run --config FILE", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_told_apart_from_a_missing_one()
    {
        // Bound but not listening: connecting is refused, as on the socket of an agent killed with -9.
        string stale = _dir.File("stale.sock");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(stale));

        var run = await CliAsync("task", "list", "--agent", stale);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"nothing answers on the agent socket {stale}", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_status_prints_the_host_its_role_and_lease_and_json_prints_the_answer()
    {
        _agent.SpmId = 3;

        var text = await CliAsync("agent", "status", "--agent", Socket);
        var json = await CliAsync("agent", "status", "--agent", Socket, "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Matches(@"(?m)^host:\s+1 \(fakehost\)$", text.StandardOutput);
        Assert.Matches(@"(?m)^spm:\s+Free; the SPM is host 3$", text.StandardOutput);
        Assert.Matches(@"(?m)^host lease:\s+valid$", text.StandardOutput);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(3, (int)JsonNode.Parse(json.StandardOutput)!["spm"]!["spm_id"]!);
    }

    [Fact]
    public async Task Agent_status_prints_domains_and_hosts_as_tables_in_local_time_and_json_keeps_text_unescaped()
    {
        var text = await CliAsync("agent", "status", "--agent", Socket);
        var json = await CliAsync("agent", "call", "status", "--agent", Socket);

        Assert.Equal(0, text.ExitCode);
        Assert.DoesNotContain("[{", text.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^DOMAIN\s+READABLE\s+LATENCY\s+FREE\s+TOTAL\s+CHECKED\s+ERROR$", text.StandardOutput);
        string local = DateTimeOffset.FromUnixTimeSeconds(TaskAgent.Checked).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Matches($@"(?m)^{TaskAgent.Pool}\s+yes\s+1\.5 ms\s+3\.0 GiB\s+8\.0 GiB\s+{System.Text.RegularExpressions.Regex.Escape(local)}$", text.StandardOutput);
        Assert.Contains("EIO + read timeout", text.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^2\s+host2\s+SPM\s+yes\s+/run/sanpool/host2/agent\.sock$", text.StandardOutput);
        Assert.Contains("\"EIO + read timeout\"", json.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", json.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "SPM (this host)")]
    [InlineData(2, "Free; the SPM is host 2")]
    [InlineData(-1, "Free; the pool has no SPM")]
    public async Task Spm_status_says_who_is_SPM(int spmId, string line)
    {
        _agent.SpmId = spmId;

        var run = await CliAsync("spm", "status", "--agent", Socket);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches($"(?m)^spm:\\s+{System.Text.RegularExpressions.Regex.Escape(line)}$", run.StandardOutput);
        Assert.Matches(@"(?m)^spm lease version:\s+7$", run.StandardOutput);
    }

    [Fact]
    public async Task Task_list_status_and_clear_show_and_forget_tasks()
    {
        string first = (await CliAsync("snapshot", "create", Domain, Image, "--agent", Socket)).StandardOutput.Trim();
        string second = (await CliAsync("image", "create", Domain, "--size", "1M", "--agent", Socket, "--wait")).StandardOutput.Trim();
        Assert.Equal("did image.create as asked", second);

        var list = await CliAsync("task", "list", "--agent", Socket);
        var status = await CliAsync("task", "status", first, "--agent", Socket);
        var clear = await CliAsync("task", "clear", first, "--agent", Socket);
        var after = await CliAsync("task", "list", "--agent", Socket, "--json");

        Assert.Equal(0, list.ExitCode);
        var rows = list.StandardOutput.TrimEnd().Split('\n');
        Assert.Equal(3, rows.Length);
        Assert.Matches(@"^TASK\s+VERB\s+STATE\s+DONE\s+RESULT$", rows[0]);
        Assert.Matches($@"^{first}\s+snapshot\.create\s+queued\s+0%$", rows[1]);
        Assert.Matches(@"^[0-9a-f-]{36}\s+image\.create\s+finished\s+100%\s+did image\.create as asked$", rows[2]);
        Assert.Equal(0, status.ExitCode);
        Assert.Matches($@"(?m)^task:\s+{first}$", status.StandardOutput);
        Assert.Matches(@"(?m)^state:\s+running, 30%$", status.StandardOutput);
        Assert.Matches($@"(?m)^args:\s+domain={Domain} image={Image} volume=[0-9a-f-]{{36}}$", status.StandardOutput);
        Assert.Equal(0, clear.ExitCode);
        Assert.Equal(first, clear.StandardOutput.Trim());
        Assert.Single(JsonNode.Parse(after.StandardOutput)!.AsArray());
    }

    [Fact]
    public async Task Task_status_wait_follows_a_task_to_its_end()
    {
        string id = (await CliAsync("image", "merge", Domain, Image, "--base", Volume, "--top", Other, "--agent", Socket)).StandardOutput.Trim();

        var run = await CliAsync("task", "status", id, "--agent", Socket, "--wait");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("did image.merge as asked", run.StandardOutput.Trim());
        Assert.Contains($"image.merge {id}: 90%", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_task_is_the_agents_TASK_NOT_FOUND()
    {
        var run = await CliAsync("task", "status", Other, "--agent", Socket);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("TASK_NOT_FOUND", run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "snapshot", "create", Domain, Image, "--wait" }, "--wait needs --agent")]
    [InlineData(new[] { "snapshot", "create", Domain, Image, "--forward" }, "--forward needs --agent")]
    [InlineData(new[] { "image", "create", Domain, "--size", "1G", "--token", "t0ken" }, "--token needs --agent")]
    [InlineData(new[] { "image", "create", Domain, "--size", "1G", "--agent", "SOCK", "--path", "/tmp" }, "leave --path out")]
    [InlineData(new[] { "volume", "delete", Domain, Image, Volume, "--agent", "SOCK", "--host-id", "3" }, "leave --host-id out")]
    [InlineData(new[] { "image", "create", Domain, "--template", Image, "--agent", "SOCK" }, "through an agent give --size")]
    [InlineData(new[] { "image", "create", Domain, "--size", "1000", "--agent", "SOCK" }, "not a whole number of 512-byte sectors")]
    [InlineData(new[] { "snapshot", "create", "not-a-uuid", Image, "--agent", "SOCK" }, "is not a UUID")]
    [InlineData(new[] { "task", "status", "42", "--agent", "SOCK" }, "task '42' is not a UUID")]
    [InlineData(new[] { "task", "list" }, "'--agent' is required")]
    [InlineData(new[] { "spm", "status", "--agent", "ftp://host/x" }, "neither a socket path nor an http(s) URL")]
    [InlineData(new[] { "spm", "status", "--agent", "SOCK", "--token", "two words" }, "printable ASCII without spaces")]
    public async Task Bad_usage_exits_2_before_anything_is_sent(string[] cli, string message)
    {
        var run = await CliAsync([.. cli.Select(a => a == "SOCK" ? Socket : a)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StandardError, StringComparison.Ordinal);
        Assert.Contains("--help'", run.StandardError, StringComparison.Ordinal);
        Assert.Empty(_agent.Calls);
    }

    [Fact]
    public async Task Image_prepare_prints_the_drive_specification_and_teardown_says_what_it_did()
    {
        var prepare = await CliAsync("image", "prepare", Domain, Image, "--agent", Socket);
        var teardown = await CliAsync("image", "teardown", Domain, Image, "--agent", Socket);
        var notPrepared = await CliAsync("image", "teardown", Domain, Guid.Empty.ToString(), "--agent", Socket);

        Assert.Equal((0, $"json:{{\"driver\":\"qcow2\",\"export\":\"{Image}\"}}"), (prepare.ExitCode, prepare.StandardOutput.Trim()));
        Assert.Equal((0, $"image {Image} torn down"), (teardown.ExitCode, teardown.StandardOutput.Trim()));
        Assert.Equal((0, $"image {Guid.Empty} was not prepared"), (notPrepared.ExitCode, notPrepared.StandardOutput.Trim()));
        Assert.Equal(["image.prepare", "image.teardown", "image.teardown"], _agent.Calls.Select(c => c.Verb));
        Assert.Equal(new Dictionary<string, string> { ["domain"] = Domain, ["image"] = Image }, _agent.Calls.First().Args);
    }

    [Fact]
    public async Task Domain_extend_through_the_agent_sends_the_domain_and_the_LUN_and_forward_when_asked()
    {
        var run = await CliAsync("domain", "extend", Domain, "--block", "/dev/loop99", "--agent", Socket, "--forward");

        Assert.Equal((0, Domain), (run.ExitCode, run.StandardOutput.Trim()));
        var call = Assert.Single(_agent.Calls);
        Assert.Equal(new Dictionary<string, string> { ["domain"] = Domain, ["device"] = "/dev/loop99", ["forward"] = "true" }, call.Args);
    }

    [Theory]
    [InlineData("image", "prepare", Domain, Image)]
    [InlineData("image", "prepare", "not-a-uuid", Image, "--agent", "SOCKET")]
    [InlineData("image", "teardown", Domain, "not-a-uuid", "--agent", "SOCKET")]
    [InlineData("domain", "extend", Domain, "--block", "/dev/loop99")]
    [InlineData("domain", "extend", Domain, "--block", "/dev/loop99", "--device", "/dev/loop1", "--agent", "SOCKET")]
    [InlineData("domain", "extend", Domain, "--device", "/dev/loop1", "--block", "/dev/loop99", "--forward")]
    public async Task Bad_usage_of_prepare_teardown_and_extend_exits_2_and_sends_nothing(params string[] args)
    {
        var run = await CliAsync([.. args.Select(a => a == "SOCKET" ? Socket : a)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(_agent.Calls);
    }

    private async Task<ToolResult> CliAsync(params string[] args)
    {
        var run = await SanpoolCli.RunAsync(args);
        output.WriteLine($"$ sanpool {string.Join(' ', args)}  -> {run.ExitCode}\n{run.StandardOutput}{run.StandardError}");
        return run;
    }

    private async Task<List<JsonNode>> ListAsync()
    {
        using var client = AgentClient.Create(Socket, null);
        var tasks = await client.InvokeAsync("task.list", new Dictionary<string, string>(), CancellationToken.None);
        return [.. tasks.AsArray().Select(t => t!)];
    }
}
