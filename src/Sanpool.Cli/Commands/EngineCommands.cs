using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.Cli.EngineApi;
using Sanpool.Engine;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine run --config FILE</c>: the manager (sanpool-engine) in the foreground; and
/// the verbs that talk to a running one over its REST API, each with <c>--engine URL</c>:
/// <c>login</c>, <c>hosts</c>, <c>datacenters</c>, <c>domains</c>, <c>disks</c>, <c>vms</c>, <c>templates</c>, <c>jobs</c>, <c>events</c>.
/// A new collection of the API is: its <see cref="EngineResources{T}"/> on <see cref="EngineClient"/>,
/// an <see cref="EngineView{T}"/> with its table in <see cref="EngineText"/>, a group here with
/// <see cref="EngineVerbs.List{T}"/> and <see cref="EngineVerbs.Show{T}"/>, and its actions, each
/// answered 202 with a job that <see cref="EngineJobFollower"/> follows for --wait.
/// </summary>
public static class EngineCommands
{
    /// <param name="configure">Changes every client verb's connection settings (tests: an in-process engine's transport).</param>
    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure = null)
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
        var engine = new Command(
            "engine",
            "The manager (sanpool-engine): the inventory database, the hosts' agents, SPM selection, storage jobs and the REST API. " +
            "'run' runs it; the other verbs talk to a running engine: give --engine URL (or $SANPOOL_ENGINE) and a login, --user NAME with " +
            "--password-file FILE ($SANPOOL_ENGINE_USER, $SANPOOL_ENGINE_PASSWORD) or --token ($SANPOOL_ENGINE_TOKEN). For example: " +
            "'sanpool engine hosts list --engine https://127.0.0.1:8443 --user admin --password-file pw', " +
            "'sanpool engine disks create --domain SD --size 10G --alias data1 --wait', 'sanpool engine disks move DISK --domain SD --wait', " +
            "'sanpool engine vms snapshot VM --description before --wait', 'sanpool engine templates create --vm VM --name base --wait', " +
            "'sanpool engine vms define web1 --template TPL --wait', " +
            "'sanpool engine domains deactivate SD --wait', 'sanpool engine events --follow'. " +
            "Lists and shows print tables, or the engine's JSON with --json; an error is one line with the engine's code, exit 1.")
        {
            run,
        };
        engine.Subcommands.Add(Login(configure));
        engine.Subcommands.Add(EngineHostCommands.Create(configure));
        engine.Subcommands.Add(EngineInventoryCommands.DataCenters(configure));
        engine.Subcommands.Add(EngineInventoryCommands.Domains(configure));
        engine.Subcommands.Add(EngineDiskCommands.Create(configure));
        engine.Subcommands.Add(EngineVmCommands.Create(configure));
        engine.Subcommands.Add(EngineTemplateCommands.Create(configure));
        engine.Subcommands.Add(EngineJobCommands.Create(configure));
        engine.Subcommands.Add(EngineEventCommands.Create(configure));
        return engine;
    }

    /// <summary><c>sanpool engine login</c>: a bearer token for scripts, printed on stdout.</summary>
    private static Command Login(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var name = new Option<string>("--name") { Description = "A label for the token, 1-64 printable characters (default sanpool-cli).", HelpName = "NAME", DefaultValueFactory = _ => EngineClient.TokenName };
        var cmd = new Command(
            "login",
            "Trade --user and its password for a bearer token and print it (then: export SANPOOL_ENGINE_TOKEN=...). " +
            "It lasts the engine's token_lifetime_seconds (12 h by default); other verbs take it with --token.")
        { name };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var token = await client.IssueTokenAsync(p.GetValue(name)!, ct).ConfigureAwait(false);
            await EngineVerbs.Out(p).WriteLineAsync(token.AccessToken).ConfigureAwait(false);
            await EngineVerbs.Error(p).WriteLineAsync(
                $"sanpool: a token for {client.Target}, valid {TimeSpan.FromSeconds(token.ExpiresIn).TotalHours:0.#} h; give it with --token or ${EngineOptions.TokenVariable}").ConfigureAwait(false);
            return 0;
        });
    }
}
