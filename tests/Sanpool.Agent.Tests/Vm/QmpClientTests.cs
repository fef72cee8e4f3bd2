using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Agent.Vm;
using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>QmpClient against a fake monitor: the handshake, answers by id, errors, events, disconnects.</summary>
public sealed class QmpClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Connect_reads_the_greeting_and_negotiates_capabilities_first()
    {
        await using var server = new FakeQmpServer();
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);

        Assert.Equal("7.2.22", client.QemuVersion);
        Assert.Equal(["qmp_capabilities"], server.CommandNames);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_command_gets_its_own_return_value_with_its_arguments_sent()
    {
        await using var server = new FakeQmpServer
        {
            Answer = (command, args) => command switch
            {
                "query-status" => JsonNode.Parse("""{"status": "io-error", "running": false}"""),
                "block-set-write-threshold" => new JsonObject { ["echo"] = args!["write-threshold"]!.GetValue<long>() },
                _ => new JsonObject(),
            },
        };
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);

        var status = await client.ExecuteAsync("query-status", CancellationToken.None);
        var threshold = await client.ExecuteAsync("block-set-write-threshold",
            new JsonObject { ["node-name"] = "proto0", ["write-threshold"] = 123456789012L }, CancellationToken.None);

        Assert.Equal("io-error", status.GetProperty("status").GetString());
        Assert.False(status.GetProperty("running").GetBoolean());
        Assert.Equal(123456789012L, threshold.GetProperty("echo").GetInt64());
        var sent = server.Commands.Last();
        Assert.Equal("proto0", sent.Arguments!["node-name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Answers_are_matched_by_id_even_out_of_order_and_across_events()
    {
        await using var server = new FakeQmpServer { Answer = (_, _) => null };
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);
        using var events = client.Subscribe();

        var first = client.ExecuteAsync("query-block", CancellationToken.None);
        var second = client.ExecuteAsync("query-status", CancellationToken.None);
        await WaitUntilAsync(() => server.Commands.Count == 3);

        // Ids 2 and 3 (1 was qmp_capabilities), answered backwards with an event in between.
        await server.SendLineAsync("""{"return": {"which": "second"}, "id": 3}""");
        await server.SendEventAsync("STOP");
        await server.SendLineAsync("""{"return": {"which": "first"}, "id": 2}""");

        Assert.Equal("first", (await first.WaitAsync(Wait)).GetProperty("which").GetString());
        Assert.Equal("second", (await second.WaitAsync(Wait)).GetProperty("which").GetString());
        Assert.Equal("STOP", (await events.Reader.ReadAsync().AsTask().WaitAsync(Wait)).Name);
    }

    [Fact]
    public async Task An_error_answer_is_QMP_COMMAND_FAILED_naming_the_command_class_and_text()
    {
        await using var server = new FakeQmpServer { Answer = (_, _) => new QmpError("GenericError", "Device 'nope' not found") };
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm7", null, CancellationToken.None);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => client.ExecuteAsync("block_resize", CancellationToken.None));

        Assert.Equal(VmErrors.QmpCommandFailed, e.Code);
        Assert.Contains("vm7", e.Message, StringComparison.Ordinal);
        Assert.Contains("block_resize", e.Message, StringComparison.Ordinal);
        Assert.Contains("GenericError: Device 'nope' not found", e.Message, StringComparison.Ordinal);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Events_reach_every_subscriber_and_the_event_with_name_data_and_timestamp()
    {
        await using var server = new FakeQmpServer();
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);
        using var a = client.Subscribe();
        using var b = client.Subscribe();
        var raised = new TaskCompletionSource<QmpEvent>();
        client.EventReceived += e => raised.TrySetResult(e);

        await server.SendEventAsync("BLOCK_IO_ERROR",
            """{"device": "thin", "node-name": "thin-fmt", "operation": "write", "action": "stop", "nospace": true, "reason": "No space left on device"}""",
            seconds: 1_763_700_000, microseconds: 123_456);

        foreach (var e in new[] { await a.Reader.ReadAsync().AsTask().WaitAsync(Wait), await b.Reader.ReadAsync().AsTask().WaitAsync(Wait), await raised.Task.WaitAsync(Wait) })
        {
            Assert.Equal("BLOCK_IO_ERROR", e.Name);
            Assert.Equal("thin", e.GetString("device"));
            Assert.True(e.GetBoolean("nospace"));
            Assert.Equal("stop", e.GetString("action"));
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_763_700_000).AddTicks(1_234_560), e.Timestamp);
        }
    }

    [Fact]
    public async Task An_event_without_data_has_an_empty_object()
    {
        await using var server = new FakeQmpServer();
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);
        using var events = client.Subscribe();

        await server.SendLineAsync("""{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}""");

        var e = await events.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal("RESUME", e.Name);
        Assert.Equal(JsonValueKind.Object, e.Data.ValueKind);
        Assert.Null(e.GetString("device"));
    }

    [Fact]
    public async Task A_disconnect_fails_the_waiting_command_and_completes_subscriptions()
    {
        await using var server = new FakeQmpServer { Answer = (_, _) => null };
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm3", null, CancellationToken.None);
        using var events = client.Subscribe();
        var waiting = client.ExecuteAsync("query-status", CancellationToken.None);
        await WaitUntilAsync(() => server.Commands.Count == 2);

        await server.DisconnectAsync();

        var e = await Assert.ThrowsAsync<SanpoolException>(() => waiting.WaitAsync(Wait));
        Assert.Equal(VmErrors.QmpDisconnected, e.Code);
        Assert.Contains("query-status", e.Message, StringComparison.Ordinal);
        await client.Completion.WaitAsync(Wait);
        Assert.False(await events.Reader.WaitToReadAsync().AsTask().WaitAsync(Wait));
        var after = await Assert.ThrowsAsync<SanpoolException>(() => client.ExecuteAsync("cont", CancellationToken.None));
        Assert.Equal(VmErrors.QmpDisconnected, after.Code);
    }

    [Fact]
    public async Task A_line_that_is_not_JSON_is_skipped_and_the_connection_goes_on()
    {
        await using var server = new FakeQmpServer();
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);
        using var events = client.Subscribe();

        await server.SendLineAsync("this is not json");
        await server.SendLineAsync("[1, 2]");
        await server.SendEventAsync("STOP");

        Assert.Equal("STOP", (await events.Reader.ReadAsync().AsTask().WaitAsync(Wait)).Name);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_first_line_that_is_not_a_greeting_is_QMP_PROTOCOL()
    {
        await using var server = new FakeQmpServer(greeting: """{"return": {}}""");

        var e = await Assert.ThrowsAsync<SanpoolException>(() => QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None));

        Assert.Equal(VmErrors.QmpProtocol, e.Code);
        Assert.Contains("greeting", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_monitor_at_the_path_is_a_transient_QMP_CONNECT_FAILED()
    {
        using var dir = new TempDir("qmp");

        var e = await Assert.ThrowsAsync<SanpoolException>(() => QmpClient.ConnectAsync(dir.File("none.sock"), "vm1", null, CancellationToken.None));

        Assert.Equal(VmErrors.QmpConnectFailed, e.Code);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task A_command_without_an_answer_times_out_as_QMP_TIMEOUT()
    {
        await using var server = new FakeQmpServer { Answer = (_, _) => null };
        await using var client = await QmpClient.ConnectAsync(server.SocketPath, "vm1", null, CancellationToken.None);
        client.CommandTimeout = TimeSpan.FromMilliseconds(200);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => client.ExecuteAsync("query-status", CancellationToken.None));

        Assert.Equal(VmErrors.QmpTimeout, e.Code);
        Assert.True(e.IsTransient);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
