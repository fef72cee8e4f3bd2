using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Web;

/// <summary>
/// <c>sanpool engine run</c> as a real process on an ephemeral HTTPS port with a fresh data_dir:
/// the CA it makes is the only one the client trusts, the admin password it prints once logs
/// in, and SIGTERM stops it with exit code 0.
/// </summary>
public sealed partial class EngineProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_engine_serves_HTTPS_with_its_own_CA_logs_in_the_printed_admin_exits_0_on_SIGTERM_and_keeps_its_users_across_a_restart()
    {
        await BuildCliAsync();
        using var dir = new TempDir("engine-run");
        string dataDir = dir.File("data");
        string config = dir.File("engine.json");
        await File.WriteAllTextAsync(config, $$"""{ "data_dir": "{{dataDir}}", "listen": "https://127.0.0.1:0" }""");
        var lines = new ConcurrentQueue<string>();
        Process? engine = null;
        try
        {
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            string url = await WaitForAsync(lines, ListeningLine(), engine);
            string password = await WaitForAsync(lines, PasswordLine(), engine);
            Assert.Contains(lines, l => l.Contains("database: sqlite " + Path.Combine(dataDir, "engine.db"), StringComparison.Ordinal));

            string servedCa = await FetchCaWithoutTrustAsync(url);
            Assert.Equal((await File.ReadAllTextAsync(Path.Combine(dataDir, "pki", "ca.pem"))).Trim(), servedCa.Trim());
            using var ca = X509Certificate2.CreateFromPem(servedCa);

            using var trusting = TrustingOnly(ca, url);
            var health = await trusting.GetFromJsonAsync<JsonObject>("/api/health");
            Assert.Equal("ok", (string)health!["status"]!);

            using var tokenAnswer = await trusting.PostAsJsonAsync("/api/sso/token", new { username = "admin", password });
            Assert.Equal(HttpStatusCode.OK, tokenAnswer.StatusCode);
            string token = (string)(await tokenAnswer.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!;
            using var me = new HttpRequestMessage(HttpMethod.Get, "/api/users/me");
            me.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var meAnswer = await trusting.SendAsync(me);
            Assert.Equal(HttpStatusCode.OK, meAnswer.StatusCode);

            // The machine's own trust store does not know the engine's CA.
            using var untrusting = new HttpClient { BaseAddress = new Uri(url) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri("/api/health", UriKind.Relative)));

            Assert.Equal(0, Signals.Kill(engine.Id, Signals.SIGTERM));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await engine.WaitForExitAsync(wait.Token);
            Assert.True(engine.ExitCode == 0, $"exit code {engine.ExitCode}:\n{string.Join('\n', lines)}");
            Assert.Single(lines, l => l.Contains("admin password:", StringComparison.Ordinal));
            engine.Dispose();

            // Started again on the same data_dir: the users are in its database, so the first
            // password still logs in and no new one is printed.
            lines.Clear();
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            url = await WaitForAsync(lines, ListeningLine(), engine);
            using var again = TrustingOnly(ca, url);
            using var secondToken = await again.PostAsJsonAsync("/api/sso/token", new { username = "admin", password });
            Assert.Equal(HttpStatusCode.OK, secondToken.StatusCode);
            Assert.DoesNotContain(lines, l => l.Contains("admin password:", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("0 migration(s) applied", StringComparison.Ordinal));
            Assert.Equal(0, Signals.Kill(engine.Id, Signals.SIGTERM));
            using var waitAgain = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await engine.WaitForExitAsync(waitAgain.Token);
            Assert.Equal(0, engine.ExitCode);
        }
        finally
        {
            if (engine is not null)
            {
                if (!engine.HasExited)
                {
                    _ = Signals.Kill(engine.Id, Signals.SIGKILL);
                    engine.WaitForExit(TimeSpan.FromSeconds(10));
                }

                engine.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_bad_config_exits_non_zero_naming_the_key_and_creates_nothing()
    {
        await BuildCliAsync();
        using var dir = new TempDir("engine-run");
        string config = dir.File("engine.json");
        await File.WriteAllTextAsync(config, $$"""{ "data_dir": "{{dir.File("data")}}", "listen": "http://127.0.0.1:0" }""");
        var result = await SanpoolCli.RunAsync("engine", "run", "--config", config);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"engine config {config}: listen:", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.File("data")));
    }

    /// <summary>Builds the CLI up front (./sanpool builds when stale), so that no start below waits for a build.</summary>
    private static async Task BuildCliAsync() =>
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();

    /// <summary>The first capture of the first output line of <paramref name="engine"/> (any process) that matches, within a minute.</summary>
    internal static async Task<string> WaitForAsync(ConcurrentQueue<string> lines, Regex pattern, Process engine)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            foreach (string line in lines)
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    return match.Groups[1].Value;
                }
            }

            if (engine.HasExited)
            {
                Assert.Fail($"the process exited ({engine.ExitCode}):\n{string.Join('\n', lines)}");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no line like {pattern} within {StartTimeout}:\n{string.Join('\n', lines)}");
    }

    /// <summary>The bootstrap step a client takes once: fetch the CA without verifying (and compare it out of band).</summary>
    private static async Task<string> FetchCaWithoutTrustAsync(string url)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url) };
        return await client.GetStringAsync(new Uri("/api/ca.pem", UriKind.Relative));
    }

    /// <summary>A client that trusts <paramref name="ca"/> and nothing else (the name is checked as usual).</summary>
    private static HttpClient TrustingOnly(X509Certificate2 ca, string url)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        var handler = new SocketsHttpHandler
        {
            SslOptions = { CertificateChainPolicy = policy, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = new Uri(url) };
    }

    [GeneratedRegex(@"listening on (https://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^admin password: (\S+) \(shown once")]
    private static partial Regex PasswordLine();
}
