using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Cli;

/// <summary>
/// The real <c>./sanpool engine ...</c> as processes against a real <c>sanpool engine run</c> on
/// an ephemeral HTTPS port: the engine's CA trusted on first use and saved, then verified; a CA
/// that is not the engine's refused; an unknown id, a wrong password and a stopped engine each
/// one line; <c>events --follow</c> ends with exit 0 on SIGTERM.
/// </summary>
public sealed partial class EngineCliProcessTests
{
    private const string Password = "cli-process-password";

    [Fact]
    public async Task The_CLI_trusts_the_engine_s_CA_on_first_use_then_verifies_it_and_says_each_failure_in_one_line()
    {
        (await SanpoolCli.RunAsync(["engine", "run", "--help"], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
        using var dir = new TempDir("engine-cli");
        string dataDir = dir.File("data");
        string config = dir.File("engine.json");
        string passwordFile = dir.File("password");
        await File.WriteAllTextAsync(config, $$"""{ "data_dir": "{{dataDir}}", "listen": "https://127.0.0.1:0", "admin_password": "{{Password}}" }""");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        var lines = new ConcurrentQueue<string>();
        Process? engine = null;
        try
        {
            engine = SanpoolCli.Start(["engine", "run", "--config", config], lines.Enqueue);
            string url = await Web.EngineProcessTests.WaitForAsync(lines, ListeningLine(), engine);
            var environment = new Dictionary<string, string>
            {
                ["XDG_CONFIG_HOME"] = dir.File("config"),
                ["SANPOOL_ENGINE"] = url,
                ["SANPOOL_ENGINE_USER"] = "admin",
                ["SANPOOL_ENGINE_PASSWORD"] = Password,
            };
            Task<ToolResult> Run(params string[] args) => SanpoolCli.RunAsync(["engine", .. args], environment);

            // First contact: the CA the engine serves, saved, its fingerprint said once.
            var first = await Run("datacenters", "list");
            Assert.True(first.ExitCode == 0, $"{first.StandardOutput}\n{first.StandardError}");
            Assert.Equal(["NAME", "STATUS", "SPM HOST", "MASTER VERSION", "ID"], EngineCliTests.Columns(first.StandardOutput.Trim()));
            string saved = Path.Combine(dir.File("config"), "sanpool", "engine-ca", $"127.0.0.1_{new Uri(url).Port}.pem");
            string enginesCa = await File.ReadAllTextAsync(Path.Combine(dataDir, "pki", "ca.pem"));
            using (var ca = X509Certificate2.CreateFromPem(enginesCa))
            {
                Assert.Contains($"trusting the engine's CA on first use: {ca.Subject}, SHA-256 {string.Join(':', ca.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)))}; saved in {saved}", first.StandardError, StringComparison.Ordinal);
                using var kept = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(saved));
                Assert.Equal(ca.Thumbprint, kept.Thumbprint);
            }

            // From then on it is verified against the saved CA, quietly; --password-file and --json.
            var second = await Run("jobs", "list", "--json", "--password-file", passwordFile);
            Assert.True(second.ExitCode == 0, second.StandardError);
            Assert.Equal("", second.StandardError);
            Assert.Equal("[]", second.StandardOutput.Trim());

            // Failures: one line each, the engine's code or the client's.
            string id = Guid.NewGuid().ToString();
            OneLine(await Run("hosts", "show", id), "HOST_NOT_FOUND", id);
            OneLine(await Run("hosts", "list", "--user", "admin", "--password", "not-the-password"), "UNAUTHENTICATED", "refused the login");

            // A saved CA that is not the engine's (the engine set up anew, or another one on that address): refused, saying what to remove.
            await File.WriteAllTextAsync(saved, OtherCa());
            OneLine(await Run("hosts", "list"), "ENGINE_CERTIFICATE", $"remove {saved}");
            var explicitCa = await Run("hosts", "list", "--ca-file", Path.Combine(dataDir, "pki", "ca.pem"));
            Assert.True(explicitCa.ExitCode == 0, explicitCa.StandardError);

            // events --follow runs until SIGTERM, then exits 0.
            var followed = new ConcurrentQueue<string>();
            using var follower = SanpoolCli.Start(
                ["engine", "events", "--follow", "--engine", url, "--user", "admin", "--password-file", passwordFile, "--ca-file", Path.Combine(dataDir, "pki", "ca.pem")],
                followed.Enqueue);
            await Web.EngineProcessTests.WaitForAsync(followed, FollowingLine(), follower);
            Assert.Equal(0, Signals.Kill(follower.Id, Signals.SIGTERM));
            using (var waitFollower = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await follower.WaitForExitAsync(waitFollower.Token);
            }

            Assert.True(follower.ExitCode == 0, string.Join('\n', followed));

            // The engine stopped: nothing listens there.
            Assert.Equal(0, Signals.Kill(engine.Id, Signals.SIGTERM));
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await engine.WaitForExitAsync(wait.Token);
            }

            OneLine(await Run("hosts", "list", "--ca-file", Path.Combine(dataDir, "pki", "ca.pem")), "ENGINE_UNREACHABLE", "connection refused");
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

    private static void OneLine(ToolResult result, string error, string mentions)
    {
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.StandardOutput}\n{result.StandardError}");
        string[] lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.StandardError);
        Assert.StartsWith($"sanpool: {error} (", lines[0], StringComparison.Ordinal);
        Assert.Contains(mentions, lines[0], StringComparison.Ordinal);
    }

    /// <summary>A self-signed CA that signed nothing the engine has.</summary>
    private static string OtherCa()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=not the engine's CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return ca.ExportCertificatePem();
    }

    [GeneratedRegex(@"listening on (https://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"(following the events of \S+)")]
    private static partial Regex FollowingLine();
}
