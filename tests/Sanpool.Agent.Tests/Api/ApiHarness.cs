using Sanpool.Api.Client;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Sanpool.Agent.Api;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Api;

/// <summary>
/// A real agent API on a real unix socket (in a temp dir) and on TCP 127.0.0.1 with an
/// ephemeral port, serving a <see cref="FakeAgentVerbs"/>; clients of both, typed and raw.
/// </summary>
internal sealed class ApiHarness : IAsyncDisposable
{
    public const string Token = "9f2c4e1ab7d35068e4c1f0a2b3d4e5f6";
    public const string HostName = "hostA";

    private readonly TempDir _dir;
    private readonly List<IDisposable> _clients = [];

    private ApiHarness(TempDir dir, FakeAgentVerbs verbs, AgentApiServer server, TestLog log)
    {
        _dir = dir;
        Verbs = verbs;
        Server = server;
        Log = log;
    }

    public FakeAgentVerbs Verbs { get; }

    public AgentApiServer Server { get; }

    public TestLog Log { get; }

    public static async Task<ApiHarness> StartAsync(Xunit.Abstractions.ITestOutputHelper? output, Func<AgentApiOptions, AgentApiOptions>? adjust = null, bool testVerbs = true)
    {
        var dir = new TempDir("agent-api");
        var verbs = new FakeAgentVerbs(testVerbs);
        var log = new TestLog(output);
        var options = new AgentApiOptions
        {
            SocketPath = dir.File("agent.sock"),
            TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Token = Token,
            HostName = HostName,
        };
        try
        {
            var server = await AgentApi.StartAsync(verbs.Table, adjust is null ? options : adjust(options), log.Factory, CancellationToken.None);
            return new ApiHarness(dir, verbs, server, log);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>A client of <paramref name="transport"/>: "unix" (no token) or "tcp" (the right token).</summary>
    public AgentClient Client(string transport) => Keep(transport == "unix"
        ? AgentClient.Create(Server.SocketPath, null)
        : AgentClient.Create(Server.TcpUrl!.ToString(), Token));

    public AgentClient Client(string target, string? token, TimeSpan? timeout = null) => Keep(AgentClient.Create(target, token, timeout));

    /// <summary>A plain HttpClient over the unix socket, for requests the typed client would never send.</summary>
    public HttpClient RawUnix() => Keep(new HttpClient(new SocketsHttpHandler { ConnectCallback = AgentClient.UnixSocketConnector(Server.SocketPath) })
    {
        BaseAddress = new Uri("http://localhost/"),
    });

    /// <summary>A plain HttpClient over TCP, with <paramref name="authorization"/> as sent, if any.</summary>
    public HttpClient RawTcp(string? authorization = null)
    {
        var http = Keep(new HttpClient { BaseAddress = Server.TcpUrl });
        if (authorization is not null)
        {
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        return http;
    }

    public HttpClient Raw(string transport) => transport == "unix" ? RawUnix() : RawTcp("Bearer " + Token);

    public static ByteArrayContent Json(string json) => Bytes(System.Text.Encoding.UTF8.GetBytes(json));

    public static ByteArrayContent Bytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Server.DisposeAsync();
        Log.Dispose();
        _dir.Dispose();
    }

    private T Keep<T>(T client)
        where T : IDisposable
    {
        _clients.Add(client);
        return client;
    }
}
