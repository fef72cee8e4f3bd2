using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Client;
using Sanpool.LeaseDaemon.Tests.Support;
using Sanpool.Leases;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.LeaseDaemon.Tests;

/// <summary>Bad requests get a clean error reply with a stable code, and the daemon keeps serving.</summary>
public sealed class ProtocolTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("leased-proto");

    [Theory]
    [InlineData("{\"verb\":\"frobnicate\"}", -402, "UNKNOWN_VERB")]
    [InlineData("{\"verb\":", -401, "BAD_REQUEST")]
    [InlineData("[1,2]", -401, "BAD_REQUEST")]
    [InlineData("{}", -401, "BAD_REQUEST")]
    [InlineData("{\"verb\":7}", -401, "BAD_REQUEST")]
    [InlineData("{\"verb\":\"acquire\",\"resources\":\"LS:R:/x:0\"}", -401, "BAD_REQUEST")]
    [InlineData("{\"verb\":\"acquire\",\"resources\":[\"LS:R:/x:0\"]}", -403, "NOT_REGISTERED")]
    [InlineData("{\"verb\":\"acquire\",\"resources\":[\"LS:R:/x:0\"],\"pid\":999999999}", -403, "NOT_REGISTERED")]
    [InlineData("{\"verb\":\"inquire\",\"pid\":999999999}", -403, "NOT_REGISTERED")]
    [InlineData("{\"verb\":\"release\",\"all\":true}", -403, "NOT_REGISTERED")]
    [InlineData("{\"verb\":\"add_lockspace\",\"lockspace\":\"LS:1:/nonexistent/ids:0\",\"io_timeout\":1}", -303, "OPEN_FAILED")]
    [InlineData("{\"verb\":\"add_lockspace\",\"lockspace\":\"LS:1:/x:0\",\"io_timeout\":0}", -1, "INVALID_ARGUMENT")]
    [InlineData("{\"verb\":\"rem_lockspace\",\"lockspace\":\"NOPE\"}", -284, "NO_LOCKSPACE")]
    [InlineData("{\"verb\":\"host_status\",\"lockspace\":\"NOPE\"}", -284, "NO_LOCKSPACE")]
    public async Task A_bad_request_gets_an_error_reply_and_the_connection_keeps_serving(string request, int code, string name)
    {
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        using var raw = await RawConnection.OpenAsync(host.RunDir);

        var reply = await raw.SendAsync(request);

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Equal(code, reply.GetProperty("code").GetInt32());
        Assert.Equal(name, reply.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(reply.GetProperty("message").GetString()));
        var status = await raw.SendAsync("{\"verb\":\"status\"}");
        Assert.True(status.GetProperty("ok").GetBoolean());
        Assert.Equal("hostA", status.GetProperty("host_name").GetString());
    }

    [Fact]
    public async Task Acquiring_in_a_lockspace_that_is_not_joined_fails_with_NO_LOCKSPACE()
    {
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        await using var client = await host.ConnectAsync();
        var registered = await client.RegisterAsync(null, CancellationToken.None);
        Assert.Equal(Environment.ProcessId, registered.Pid); // from SO_PEERCRED

        var e = await Assert.ThrowsAsync<SanpoolException>(() => client.AcquireAsync(["LS:R0:/tmp/nothing:0"], null, CancellationToken.None));

        Assert.Equal(LeaseErrors.NoLockspace, e.Code);
        var again = await Assert.ThrowsAsync<SanpoolException>(() => client.RegisterAsync(null, CancellationToken.None));
        Assert.Equal(LeaseDaemonErrors.AlreadyRegistered, again.Code);
        var bad = await Assert.ThrowsAsync<SanpoolException>(() => client.AcquireAsync(["no-colons"], null, CancellationToken.None));
        Assert.Equal(CommonErrors.InvalidArgument, bad.Code);
        Assert.Empty((await client.InquireAsync(null, CancellationToken.None)).Resources);
    }

    [Fact]
    public async Task A_line_too_long_is_refused_and_the_daemon_serves_other_connections()
    {
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        using var raw = await RawConnection.OpenAsync(host.RunDir);

        var reply = await raw.SendAsync("{\"verb\":\"status\",\"x\":\"" + new string('x', 1_100_000) + "\"}");

        Assert.Equal("BAD_REQUEST", reply.GetProperty("name").GetString());
        await using var client = await host.ConnectAsync();
        Assert.Equal("hostA", (await client.StatusAsync(CancellationToken.None)).HostName);
    }

    [Fact]
    public async Task Connecting_without_a_daemon_fails_with_DAEMON_NOT_RUNNING()
    {
        var e = await Assert.ThrowsAsync<SanpoolException>(() => LeaseDaemonClient.ConnectAsync(_dir.File("no-daemon"), CancellationToken.None));

        Assert.Equal(LeaseDaemonErrors.NotRunning, e.Code);
    }

    [Fact]
    public async Task A_second_daemon_on_the_same_run_directory_fails_with_DAEMON_RUNNING()
    {
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => DaemonHost.StartAsync(_dir, "hostA", output));

        Assert.Equal(LeaseDaemonErrors.AlreadyRunning, e.Code);
        await using var client = await host.ConnectAsync(); // the first one is unharmed
        Assert.Equal("hostA", (await client.StatusAsync(CancellationToken.None)).HostName);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A connection that sends exactly the bytes given, to test what the typed client never sends.</summary>
    private sealed class RawConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        private RawConnection(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
            _reader = new StreamReader(_stream, Encoding.UTF8);
        }

        public static async Task<RawConnection> OpenAsync(string runDir)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(LeaseDaemonPaths.Socket(runDir)));
            return new RawConnection(socket);
        }

        public async Task<JsonElement> SendAsync(string line)
        {
            try
            {
                await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            }
            catch (IOException)
            {
                // The daemon may answer and hang up before reading all of a line it refuses.
            }

            string reply = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? throw new IOException("connection closed");
            using var doc = JsonDocument.Parse(reply);
            return doc.RootElement.Clone();
        }

        public void Dispose()
        {
            _reader.Dispose();
            _socket.Dispose();
        }
    }
}
