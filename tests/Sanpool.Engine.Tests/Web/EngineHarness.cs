using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Sanpool.Engine.Security;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Web;

/// <summary>
/// The engine's web application on ASP.NET Core's test server, with an in-memory user directory
/// holding an admin ("admin") and a read-only user ("reader"), max_body_bytes 4096.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-1";
    public const string ReaderPassword = "reader-password-1";
    public const long MaxBodyBytes = 4096;

    // PBKDF2 at full strength takes a while: hash each test password once per run.
    private static readonly Lazy<string> AdminHash = new(() => PasswordHasher.Hash(AdminPassword));
    private static readonly Lazy<string> ReaderHash = new(() => PasswordHasher.Hash(ReaderPassword));

    private EngineHarness(WebApplication app, InMemoryUserDirectory users, TestLogs logs)
    {
        App = app;
        Users = users;
        Logs = logs;
        Anonymous = app.GetTestClient();
    }

    public WebApplication App { get; }

    public InMemoryUserDirectory Users { get; }

    public TestLogs Logs { get; }

    public HttpClient Anonymous { get; }

    public static async Task<EngineHarness> StartAsync(Action<IEndpointRouteBuilder>? map = null, EngineCertificates? certificates = null)
    {
        var users = new InMemoryUserDirectory();
        var now = DateTimeOffset.UtcNow;
        await users.AddUserAsync(new EngineUser(Guid.NewGuid(), "admin", AdminHash.Value, EngineRole.Admin, now), CancellationToken.None);
        await users.AddUserAsync(new EngineUser(Guid.NewGuid(), "reader", ReaderHash.Value, EngineRole.ReadOnly, now), CancellationToken.None);
        var config = EngineConfigLoader.Validate(new EngineConfig { DataDir = "/nonexistent/sanpool-engine-test", MaxBodyBytes = MaxBodyBytes }, "test");
        var logs = new TestLogs();
        var app = EngineApp.Build(config, new EngineAppOptions
        {
            Users = users,
            Certificates = certificates,
            LoggerFactory = logs.Factory,
            MapEndpoints = map,
            ConfigureWebHost = web => web.UseTestServer(),
        });
        await app.StartAsync();
        return new EngineHarness(app, users, logs);
    }

    /// <summary>A client sending <c>Authorization: Basic</c> for <paramref name="user"/>.</summary>
    public HttpClient Basic(string user, string password)
    {
        var client = App.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    /// <summary>A client sending <c>Authorization: Bearer</c> with <paramref name="token"/>.</summary>
    public HttpClient Bearer(string token)
    {
        var client = App.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Admin() => Basic("admin", AdminPassword);

    public HttpClient Reader() => Basic("reader", ReaderPassword);

    /// <summary>A token from POST /api/sso/token (JSON) for <paramref name="user"/>.</summary>
    public async Task<string> TokenAsync(string user, string password)
    {
        using var response = await Anonymous.PostAsJsonAsync("/api/sso/token", new { username = user, password });
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (string)body["access_token"]!;
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Logs.Factory.Dispose();
    }
}
