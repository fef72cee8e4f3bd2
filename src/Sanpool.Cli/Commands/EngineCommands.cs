using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.Engine;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool engine run --config FILE</c>: the manager (sanpool-engine) in the foreground.</summary>
public static class EngineCommands
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The engine's config (JSON; see 'sanpool engine run --help' and engine.example.json).", Required = true };
        var run = new Command("run",
            "Run the engine in the foreground until SIGTERM/Ctrl-C: its REST API (oVirt v4's shape) over HTTPS, with a certificate from its own CA " +
            "made at the first start in data_dir/pki (clients fetch the CA from GET /api/ca.pem). At the first start it makes user 'admin' with " +
            "admin_password, or prints a generated password once on stdout. Config keys (engine.example.json at the repository's root documents each): " +
            "data_dir (required: database, pki), listen (https://127.0.0.1:8443; unix:/PATH; http:// only with insecure_http: true), " +
            "database {provider: sqlite|postgres, connection_string for postgres}, tls {certificate, key} (PEM files instead of the engine's CA), " +
            "admin_password, host_poll_seconds (5), non_operational_after_seconds (120), max_body_bytes (1048576), token_lifetime_seconds (43200). " +
            "Relative paths are from the config file's directory.") { config };
        CliAction.Set(run, async (p, ct) =>
        {
            var cfg = await EngineConfigLoader.LoadAsync(p.GetRequiredValue(config), ct);
            using var logs = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(Environment.GetEnvironmentVariable("SANPOOL_VERBOSE") is { Length: > 0 } ? LogLevel.Debug : LogLevel.Information));
            await EngineApp.RunAsync(cfg, new EngineAppOptions { LoggerFactory = logs }, Console.Out, ct);
            return 0;
        });
        return new Command("engine", "The manager (sanpool-engine): the inventory database, the hosts' agents, SPM selection, storage jobs and the REST API.") { run };
    }
}
