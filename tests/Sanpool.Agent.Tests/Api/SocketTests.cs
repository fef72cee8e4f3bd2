using Sanpool.Api.Client;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Sanpool.Agent.Api;
using Sanpool.Core;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>The unix socket: owner-only, a stale file replaced, a live one or a non-socket left alone; failures to connect are AGENT_UNREACHABLE.</summary>
public sealed class SocketTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Dictionary<string, string> None = [];
    private readonly TempDir _dir = new("agent-sock");

    public void Dispose() => _dir.Dispose();

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task The_socket_is_owner_only_and_gone_after_stop()
    {
        var api = await ApiHarness.StartAsync(output);
        string path = api.Server.SocketPath;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        await api.DisposeAsync();

        Assert.False(File.Exists(path));
        Assert.Contains(api.Log.Entries, l => l.EventId == 7201 && l.Message.Contains("'hostA'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stale_socket_file_is_removed_and_the_API_starts()
    {
        string path = _dir.File("agent.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET unlinks a socket file it bound when the socket closes; a renamed one stays, as after kill -9.
            dead.Bind(new UnixDomainSocketEndPoint(_dir.File("bound.sock")));
            File.Move(_dir.File("bound.sock"), path);
        }

        var log = new TestLog(output);
        await using var server = await AgentApi.StartAsync(new FakeAgentVerbs().Table, new AgentApiOptions { SocketPath = path, HostName = "hostB" }, log.Factory, default);
        using var client = AgentClient.Create(path, null);

        Assert.Equal("fake", (string?)(await client.InvokeAsync("status", None, default))["host_name"]);
        Assert.Contains(log.Entries, l => l.EventId == 7202 && l.Message.Contains("'hostB'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_API_on_the_same_socket_fails_AGENT_RUNNING_and_the_first_keeps_serving()
    {
        await using var api = await ApiHarness.StartAsync(output);

        var e = await Assert.ThrowsAsync<SanpoolException>(() =>
            AgentApi.StartAsync(new FakeAgentVerbs().Table, new AgentApiOptions { SocketPath = api.Server.SocketPath }, null, default));

        Assert.Equal(AgentErrors.AlreadyRunning, e.Code);
        Assert.NotNull(await api.Client("unix").InvokeAsync("status", None, default));
    }

    [Fact]
    public async Task A_socket_someone_else_listens_on_is_left_alone()
    {
        string path = _dir.File("other.sock");
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(path));
        other.Listen(1);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => AgentApi.StartAsync(new FakeAgentVerbs().Table, new AgentApiOptions { SocketPath = path }, null, default));

        Assert.Equal(AgentErrors.AlreadyRunning, e.Code);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task A_file_that_is_not_a_socket_is_never_removed()
    {
        string path = _dir.File("agent.sock");
        await File.WriteAllTextAsync(path, "precious");

        var e = await Assert.ThrowsAsync<SanpoolException>(() => AgentApi.StartAsync(new FakeAgentVerbs().Table, new AgentApiOptions { SocketPath = path }, null, default));

        Assert.Equal(AgentErrors.ListenFailed, e.Code);
        Assert.Equal("precious", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_missing_directory_or_a_taken_port_fails_AGENT_LISTEN_FAILED_and_releases_the_path()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var options = new AgentApiOptions
        {
            SocketPath = _dir.File("agent.sock"),
            TcpEndPoint = (IPEndPoint)taken.LocalEndpoint,
            Token = ApiHarness.Token,
        };

        var missing = await Assert.ThrowsAsync<SanpoolException>(() =>
            AgentApi.StartAsync(new FakeAgentVerbs().Table, options with { SocketPath = _dir.File("no/such/dir/agent.sock") }, null, default));
        var port = await Assert.ThrowsAsync<SanpoolException>(() => AgentApi.StartAsync(new FakeAgentVerbs().Table, options, null, default));
        await using var retry = await AgentApi.StartAsync(new FakeAgentVerbs().Table, options with { TcpEndPoint = null }, null, default);

        Assert.Equal(AgentErrors.ListenFailed, missing.Code);
        Assert.Equal(AgentErrors.ListenFailed, port.Code);
        Assert.Equal(options.SocketPath, retry.SocketPath);
    }

    [Fact]
    public async Task A_socket_path_too_long_for_sun_path_is_INVALID_ARGUMENT()
    {
        var options = new AgentApiOptions { SocketPath = _dir.File(new string('s', 120)) };

        var e = await Assert.ThrowsAsync<SanpoolException>(() => AgentApi.StartAsync(new FakeAgentVerbs().Table, options, null, default));

        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
    }

    [Fact]
    public async Task Calling_an_agent_that_is_not_there_is_AGENT_UNREACHABLE()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var unix = AgentClient.Create(_dir.File("nobody.sock"), null);
        using var tcp = AgentClient.Create($"http://127.0.0.1:{closedPort}", ApiHarness.Token);

        var e1 = await Assert.ThrowsAsync<SanpoolException>(() => unix.InvokeAsync("status", None, default));
        var e2 = await Assert.ThrowsAsync<SanpoolException>(() => tcp.InvokeAsync("status", None, default));

        Assert.Equal(AgentErrors.Unreachable, e1.Code);
        Assert.Equal(AgentErrors.Unreachable, e2.Code);
        Assert.True(e1.IsTransient && e2.IsTransient);
        Assert.Contains(_dir.File("nobody.sock"), e1.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://host/")]
    [InlineData("http://host:99999")]
    [InlineData("http://host:80/?q=1")]
    [InlineData("unix:///run/sanpoold.sock")]
    public void A_target_that_is_neither_a_path_nor_an_agent_URL_is_INVALID_ARGUMENT(string target) =>
        Assert.Equal(CommonErrors.InvalidArgument, Assert.Throws<SanpoolException>(() => AgentClient.Create(target, null)).Code);

    [Fact]
    public async Task Every_request_is_logged_with_host_verb_status_and_time()
    {
        await using var api = await ApiHarness.StartAsync(output);

        await api.Client("unix").InvokeAsync("status", None, default);
        using var _ = await api.RawUnix().PostAsync("v1/frobnicate", null);

        var lines = api.Log.Entries.Where(l => l.EventId == 7210).Select(l => l.Message).ToList();
        Assert.Contains(lines, l => l.StartsWith("host 'hostA': POST /v1/status -> 200", StringComparison.Ordinal) && l.EndsWith(" ms", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("host 'hostA': POST /v1/frobnicate -> 404 UNKNOWN_VERB", StringComparison.Ordinal));
    }
}
