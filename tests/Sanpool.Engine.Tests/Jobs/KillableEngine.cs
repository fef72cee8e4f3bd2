using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sanpool.Core;
using Sanpool.Harness.LocalPools;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Jobs;

/// <summary>
/// A real engine process (<c>sanpool engine run</c>) on one data_dir that a test kills with
/// SIGKILL and starts again, and the SPM's agent it freezes (SIGSTOP) around the kill so the job
/// it killed cannot have ended. Every line the engine printed, over all its starts, goes to the
/// test's output at the end; the engine and the frozen SPM are never left behind.
/// </summary>
internal sealed partial class KillableEngine : IAsyncDisposable
{
    public const string Password = "kill-test-password";

    private readonly LocalPool _pool;
    private readonly int _spm;
    private readonly ITestOutputHelper _output;
    private readonly TempDir _dir = new("engine-kill");
    private readonly string _config;
    private Process? _engine;
    private HttpClient? _api;
    private bool _frozen;

    /// <param name="vms">The config's "vms" value (JSON), if VMs are to be started.</param>
    public KillableEngine(LocalPool pool, int spm, ITestOutputHelper output, string? vms = null)
    {
        _pool = pool;
        _spm = spm;
        _output = output;
        _config = _dir.File("engine.json");
        File.WriteAllText(_config, $$"""
            { "data_dir": "{{_dir.File("data")}}", "listen": "http://127.0.0.1:0", "insecure_http": true,
              "admin_password": "{{Password}}", "host_poll_seconds": 2{{(vms is null ? "" : $", \"vms\": {vms}")}} }
            """);
    }

    /// <summary>When the SPM's agent is frozen.</summary>
    public enum Freeze
    {
        /// <summary>Before the request: a task the job submits in the background cannot be made (the agent drops a request whose client went away).</summary>
        BeforeRequest,

        /// <summary>Once the engine accepted the request (a request that reaches the SPM itself, a disk's creation): its task cannot end.</summary>
        AfterAccepted,

        /// <summary>
        /// Once a step of the job names its SPM task: the task runs on storage while the engine dies, so the next
        /// engine waits for it. A task that ends before the freeze takes the job with it (<see cref="Killed.StartedAtKill"/> false).
        /// </summary>
        OnceSubmitted,
    }

    /// <summary>Every line the engine printed since its first start.</summary>
    public ConcurrentQueue<string> Lines { get; } = new();

    public HttpClient Api => _api ?? throw new InvalidOperationException("the engine is not running");

    /// <summary>Starts the engine and waits until it listens and every host it knows is Up.</summary>
    public async Task StartAsync()
    {
        var mark = Lines.Count;
        _engine = SanpoolCli.Start(["engine", "run", "--config", _config], Lines.Enqueue);
        _api = Client(await ListeningAsync(mark));
        await WaitAsync("/api/hosts", h => h["items"]!.AsArray().All(x => (string)x!["status"]! == "up"));
    }

    /// <summary>
    /// Sends the request (which must answer 202 with a job), freezes the SPM (<paramref name="freeze"/>),
    /// kills the engine, thaws the SPM and starts the engine again; returns once the job is no
    /// longer STARTED, with whether it was STARTED when the engine died.
    /// </summary>
    public async Task<Killed> KillDuringAsync(Freeze freeze, Func<HttpClient, Task<HttpResponseMessage>> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            if (freeze == Freeze.BeforeRequest)
            {
                Stop();
            }

            JsonNode body;
            using (var accepted = await request(Api))
            {
                body = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!;
                Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, body.ToJsonString());
            }

            string jobId = (string)body["job"]!["id"]!;
            if (freeze == Freeze.OnceSubmitted)
            {
                await WaitAsync($"/api/jobs/{jobId}", j => (string)j["status"]! != "started" || j["steps"]!.AsArray().Any(s => s!["external_id"] is not null), interval: 10);
            }

            if (freeze != Freeze.BeforeRequest)
            {
                Stop();
            }

            bool started = (string)(await GetAsync($"/api/jobs/{jobId}"))["status"]! == "started";
            await KillAsync();
            Thaw();
            await StartAsync();
            var job = await WaitAsync($"/api/jobs/{jobId}", j => (string)j["status"]! != "started");
            return new Killed(freeze, body, jobId, job, started);
        }
        finally
        {
            Thaw();
        }
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var response = await Api.GetAsync(new Uri(path, UriKind.Relative));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>POSTs <paramref name="body"/> and returns the answer, which must be <paramref name="status"/>.</summary>
    public async Task<JsonNode> PostAsync(string path, object? body, HttpStatusCode status)
    {
        using var response = await Api.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> WaitAsync(string path, Func<JsonNode, bool> done, int interval = 100)
    {
        var clock = Stopwatch.StartNew();
        JsonNode node;
        do
        {
            node = await GetAsync(path);
            if (done(node))
            {
                return node;
            }

            await Task.Delay(interval);
        }
        while (clock.Elapsed < TimeSpan.FromMinutes(2));

        Assert.Fail($"GET {path} never got there: {node.ToJsonString()}");
        return node;
    }

    /// <summary>Waits for the job of an accepted action to end, and returns it.</summary>
    public Task<JsonNode> WaitJobAsync(JsonNode accepted) =>
        WaitAsync($"/api/jobs/{(string)accepted["job"]!["id"]!}", j => (string)j["status"]! != "started");

    private async Task KillAsync()
    {
        var engine = _engine!;
        Assert.Equal(0, Signals.Kill(engine.Id, Signals.SIGKILL));
        await engine.WaitForExitAsync(CancellationToken.None);
        engine.Dispose();
        _engine = null;
        _api?.Dispose();
        _api = null;
    }

    private void Stop()
    {
        _pool.Signal(_spm, Signals.SIGSTOP);
        _frozen = true;
    }

    private void Thaw()
    {
        if (_frozen)
        {
            _pool.Signal(_spm, Signals.SIGCONT);
            _frozen = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        if (_engine is { } engine)
        {
            if (!engine.HasExited)
            {
                _ = Signals.Kill(engine.Id, Signals.SIGKILL);
                await engine.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }

            engine.Dispose();
        }

        _api?.Dispose();
        foreach (string line in Lines)
        {
            _output.WriteLine(line);
        }

        _dir.Dispose();
    }

    private static HttpClient Client(string url)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")));
        return client;
    }

    /// <summary>The URL the engine started last says it listens on (lines before <paramref name="mark"/> are an earlier start's).</summary>
    private async Task<string> ListeningAsync(int mark)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (string line in Lines.Skip(mark))
            {
                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    return match.Groups[1].Value;
                }
            }

            Assert.False(_engine!.HasExited, $"the engine exited:\n{string.Join('\n', Lines.Skip(mark))}");
            await Task.Delay(100);
        }

        throw new TimeoutException($"the engine did not say where it listens:\n{string.Join('\n', Lines.Skip(mark))}");
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>An action whose engine was killed: when the SPM froze, its 202 answer, its job as the next engine ended it, and whether it was STARTED at the kill.</summary>
internal sealed record Killed(KillableEngine.Freeze Freeze, JsonNode Accepted, string JobId, JsonNode Job, bool StartedAtKill)
{
    public string Status => (string)Job["status"]!;
}
