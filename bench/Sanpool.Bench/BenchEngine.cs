using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Sanpool.Engine;
using Sanpool.Engine.Data;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Security;

namespace Sanpool.Bench;

/// <summary>
/// sanpool-engine in this process as it runs in production but for TLS: <see cref="EngineApp"/>
/// on a real Kestrel listener (plain HTTP on 127.0.0.1, a free port), its host monitor polling
/// every second on the system clock (its periodic reconciliation off: the bench times its own), real agents through their unix sockets, on a database the
/// bench opened (SQLite or PostgreSQL). Clients go through <see cref="Http"/>, an HttpClient
/// over loopback TCP with a bearer token (a Basic login would hash the password each request).
/// </summary>
internal sealed class BenchEngine : IAsyncDisposable
{
    private const string AdminPassword = "bench-admin-password-1";

    private readonly WebApplication _app;

    private BenchEngine(WebApplication app, EngineDatabase db, HttpClient http)
    {
        _app = app;
        Db = db;
        Http = http;
    }

    public EngineDatabase Db { get; }

    public HttpClient Http { get; }

    /// <summary>Migrates <paramref name="db"/> (which the engine then owns) and starts the engine on it.</summary>
    public static async Task<BenchEngine> StartAsync(EngineDatabase db, string dataDir, JobTimings timings, CancellationToken stop)
    {
        await db.MigrateAsync(stop);
        var users = new InMemoryUserDirectory();
        await users.AddUserAsync(new EngineUser(Guid.NewGuid(), "admin", PasswordHasher.Hash(AdminPassword), EngineRole.Admin, DateTimeOffset.UtcNow), stop);
        var config = EngineConfigLoader.Validate(
            new EngineConfig { DataDir = dataDir, Listen = "http://127.0.0.1:0", InsecureHttp = true, HostPollSeconds = 1, ReconcileIntervalSeconds = 0 }, "bench");
        var app = EngineApp.Build(config, new EngineAppOptions { Users = users, Database = db, JobTimings = timings });
        await app.StartAsync(stop);
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromMinutes(5) };
        using (var token = await http.PostAsJsonAsync("/api/sso/token", new { username = "admin", password = AdminPassword }, stop))
        {
            token.EnsureSuccessStatusCode();
            var body = JsonNode.Parse(await token.Content.ReadAsStringAsync(stop))!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)body["access_token"]!);
        }

        return new BenchEngine(app, db, http);
    }

    /// <summary>GET, 2xx or an error naming the answer.</summary>
    public async Task<JsonNode> GetAsync(string path, CancellationToken stop)
    {
        using var response = await Http.GetAsync(path, stop);
        string text = await response.Content.ReadAsStringAsync(stop);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {text}");
    }

    /// <summary>POST a JSON body; the answer must have <paramref name="expected"/>.</summary>
    public async Task<JsonNode> PostAsync(string path, object? body, HttpStatusCode expected, CancellationToken stop)
    {
        using var response = await Http.PostAsJsonAsync(path, body, stop);
        string text = await response.Content.ReadAsStringAsync(stop);
        return response.StatusCode == expected
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }

    /// <summary>GET /api/jobs/{id} every <paramref name="poll"/> until it is no longer started; throws unless it finished.</summary>
    public async Task WaitJobAsync(string jobId, TimeSpan poll, CancellationToken stop)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var job = await GetAsync($"/api/jobs/{jobId}", stop);
            string status = (string)job["status"]!;
            if (status == "finished")
            {
                return;
            }

            if (status != "started" || deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"job {jobId} is {status}: {job.ToJsonString()}");
            }

            await Task.Delay(poll, stop);
        }
    }

    /// <summary>Adds a host by its agent's socket.</summary>
    public Task<JsonNode> AddHostAsync(string socket, int priority, CancellationToken stop) =>
        PostAsync("/api/hosts", new { address = socket, spm_priority = priority }, HttpStatusCode.Created, stop);

    /// <summary>The host id (the pool's, 1..) the engine's /api/hosts shows as an Up SPM, or null; <paramref name="except"/> is not looked at.</summary>
    public async Task<int?> SpmHostIdAsync(CancellationToken stop, int? except = null)
    {
        var hosts = (await GetAsync("/api/hosts?max=100", stop))["items"]!.AsArray();
        var spm = hosts.FirstOrDefault(h => (string?)h!["spm"]?["status"] == "spm" && (string?)h["status"] == "up" && (int?)h["host_id"] != except);
        return spm is null ? null : (int?)spm["host_id"];
    }

    /// <summary>Every host the engine shows Up, by host id.</summary>
    public async Task<IReadOnlyList<int>> UpHostIdsAsync(CancellationToken stop) =>
        [.. (await GetAsync("/api/hosts?max=100", stop))["items"]!.AsArray().Where(h => (string?)h!["status"] == "up").Select(h => (int)h!["host_id"]!).Order()];

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
        await Db.DisposeAsync();
    }
}
