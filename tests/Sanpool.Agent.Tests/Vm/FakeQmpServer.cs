using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// A QMP monitor on a unix socket that speaks just enough of the protocol for client tests:
/// it greets, answers each command with what <see cref="Answer"/> returns (a JSON object for
/// <c>return</c>, a <see cref="QmpError"/>, or null for no answer at all), records the commands
/// it got, and sends events when told. One client at a time.
/// </summary>
internal sealed class FakeQmpServer : IAsyncDisposable
{
    private readonly TempDir _dir = new("qmp");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<Socket> _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _serve;

    public FakeQmpServer(string greeting = """{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}""")
    {
        SocketPath = _dir.File("qmp.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(1);
        _serve = Task.Run(() => ServeAsync(greeting));
    }

    public string SocketPath { get; }

    /// <summary>Decides the answer to a command: a JSON node for return, a <see cref="QmpError"/>, or null for none.</summary>
    public Func<string, JsonObject?, object?> Answer { get; set; } = (_, _) => new JsonObject();

    /// <summary>Every command received, in order, with its arguments.</summary>
    public ConcurrentQueue<(string Command, JsonObject? Arguments)> Commands { get; } = new();

    public IEnumerable<string> CommandNames => Commands.Select(c => c.Command);

    /// <summary>Sends an event with qemu's timestamp shape.</summary>
    public Task SendEventAsync(string name, string dataJson = "{}", long seconds = 1_700_000_000, long microseconds = 250_000) =>
        SendLineAsync($$"""{"timestamp": {"seconds": {{seconds}}, "microseconds": {{microseconds}}}, "event": "{{name}}", "data": {{dataJson}}}""");

    /// <summary>Sends any line as it is.</summary>
    public async Task SendLineAsync(string line)
    {
        var socket = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await _writeLock.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes the client's connection, as qemu does when it exits.</summary>
    public async Task DisconnectAsync()
    {
        var socket = await _accepted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        socket.Shutdown(SocketShutdown.Both);
        socket.Close();
    }

    private async Task ServeAsync(string greeting)
    {
        Socket client;
        try
        {
            client = await _listener.AcceptAsync();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return;
        }

        _accepted.SetResult(client);
        await SendLineAsync(greeting);
        try
        {
            using var reader = new StreamReader(new NetworkStream(client, ownsSocket: false), Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                var request = JsonNode.Parse(line)!.AsObject();
                string command = request["execute"]!.GetValue<string>();
                var arguments = request["arguments"] as JsonObject;
                Commands.Enqueue((command, arguments));
                string id = request["id"]?.ToJsonString() ?? "null";
                switch (command == "qmp_capabilities" ? new JsonObject() : Answer(command, arguments))
                {
                    case QmpError error:
                        var answer = new JsonObject { ["id"] = JsonNode.Parse(id), ["error"] = new JsonObject { ["class"] = error.Class, ["desc"] = error.Description } };
                        await SendLineAsync(answer.ToJsonString());
                        break;
                    case JsonNode node:
                        await SendLineAsync($$"""{"return": {{node.ToJsonString()}}, "id": {{id}}}""");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client went away.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        if (_accepted.Task.IsCompletedSuccessfully)
        {
            _accepted.Task.Result.Dispose();
        }

        await _serve.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _writeLock.Dispose();
        _dir.Dispose();
    }
}

