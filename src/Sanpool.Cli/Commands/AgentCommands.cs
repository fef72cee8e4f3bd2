using Sanpool.Harness;
using Sanpool.Api.Host;
using Sanpool.Api;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.Agent;
using Sanpool.Agent.Api;
using Sanpool.Agent.Registry;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool agent run --config FILE</c>: one host's agent (sanpoold) in the foreground;
/// <c>sanpool agent status --agent SOCKET|URL</c>: what a running agent says of its host.
/// </summary>
public static class AgentCommands
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The host's agent config (JSON; see 'sanpool agent run --help').", Required = true };
        var run = new Command("run",
            "Run this host's agent in the foreground until SIGTERM/Ctrl-C: connect to the pool, join the master lockspace, contend for SPM " +
            "when none is alive, and serve the API on the config's unix socket (and TCP with a token). It lists itself in $SANPOOL_RUN_DIR/agents " +
            "(default /run/sanpool/agents) while it runs, where this host's CLI finds it: structural verbs on the pool's domains then go through it " +
            "instead of joining the domain's lockspace (see 'sanpool image create --help', --direct). Config keys: host_id, host_name, pool, master, " +
            "master_version, devices, paths, run_dir, socket, tcp, token, spm_priority (-1 never, 0-10), election.") { config };
        CliAction.Set(run, async (p, ct) =>
        {
            var cfg = await AgentConfig.LoadAsync(p.GetRequiredValue(config), ct);
            using var logs = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(Environment.GetEnvironmentVariable("SANPOOL_VERBOSE") is { Length: > 0 } ? LogLevel.Debug : LogLevel.Information));
            var logger = logs.CreateLogger($"sanpoold.host{cfg.HostId}");
            await using var agent = new HostAgent(cfg, logger);
            using var signalled = ct.Register(() => AgentRunLog.Signalled(logger, cfg.HostId, Environment.ProcessId));
            SpmWitness.AttachFromEnvironment(agent, cfg.HostId);
            Directory.CreateDirectory(cfg.RunDir);
            await using var api = await AgentApi.StartAsync(agent.Verbs, new AgentApiOptions
            {
                SocketPath = cfg.Socket,
                TcpEndPoint = cfg.Tcp is { } tcp ? System.Net.IPEndPoint.Parse(tcp) : null,
                Token = cfg.Token,
                HostName = cfg.HostName,
            }, logs, ct);

            // Listed for the host's CLI, which then sends its structural verbs for this pool here.
            using var registered = AgentRegistry.Register(cfg);
            await agent.RunAsync(ct);
            if (!ct.IsCancellationRequested)
            {
                AgentRunLog.Ended(logger, cfg.HostId, Environment.ProcessId, cfg.Pool);
            }

            return 0;
        });
        return new Command("agent", "The host agent (sanpoold): one per host; several may run on one machine with separate configs.") { run, Status(), Call() };
    }

    /// <summary><c>sanpool agent call VERB [NAME=VALUE ..] --agent X</c>: any verb of the agent's API, its JSON answer printed.</summary>
    private static Command Call()
    {
        var agent = new AgentOptions(required: true);
        var verb = new Argument<string>("VERB") { Description = "The agent's verb: pool.info, domain.info, pool.attach, pool.detach, pool.move-master, status, ..." };
        var args = new Argument<string[]>("NAME=VALUE") { Description = "The verb's arguments, e.g. domain=<uuid> (values are strings, sizes in bytes).", Arity = ArgumentArity.ZeroOrMore };
        var call = new Command("call",
            "Send one verb to a running agent and print its JSON answer: the verbs without a command of their own, such as " +
            "'pool.info', 'domain.info domain=SD', and on the SPM's agent 'pool.attach domain=SD', 'pool.detach domain=SD' and " +
            "'pool.move-master domain=SD' (every agent reconnects through the new master).") { verb, args };
        agent.AddTo(call, structural: false);
        CliAction.Set(call, async (p, ct) =>
        {
            agent.Given(p);
            var named = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in p.GetValue(args) ?? [])
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !named.TryAdd(pair[..eq], pair[(eq + 1)..]))
                {
                    throw new UsageException($"'{pair}': give each argument once, as NAME=VALUE");
                }
            }

            using var client = agent.Client(p);
            var answer = await AgentCall.InvokeAsync(client, p.GetRequiredValue(verb), named, ct);
            Console.WriteLine(AgentText.Json(answer));
            return 0;
        });
        return call;
    }

    private static Command Status()
    {
        var agent = new AgentOptions(required: true);
        var json = new Option<bool>("--json") { Description = "Print the agent's JSON answer." };
        var status = new Command("status",
            "Ask a running agent about its host: host id and name, pool and master domain, whether it is connected, its SPM role " +
            "(and which host is SPM if not this one), and whether its host lease is valid.") { json };
        agent.AddTo(status, structural: false);
        CliAction.Set(status, async (p, ct) =>
        {
            agent.Given(p);
            using var client = agent.Client(p);
            var answer = ApiJson.Node(await AgentCall.CallAsync(client, AgentVerbs.Status, new StatusRequest(), ct));
            Console.WriteLine(p.GetValue(json) ? AgentText.Json(answer) : AgentText.Status(answer));
            return 0;
        });
        return status;
    }
}
