using Sanpool.Api.Client;
using System.CommandLine;
using Sanpool.Agent.Api;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>--agent SOCKET|URL</c> and <c>--token</c>: talk to a host's agent (sanpoold) instead of
/// opening the storage. A structural verb sent this way runs as a task on the pool's SPM
/// (<c>--wait</c> follows it; <c>--forward</c> lets a host that is not SPM pass it on); the
/// agent-only verbs (<c>agent status</c>, <c>spm</c>, <c>task</c>) need <c>--agent</c>.
/// </summary>
internal sealed class AgentOptions
{
    public const string TokenVariable = "SANPOOL_AGENT_TOKEN";

    private readonly bool _required;

    /// <param name="required">True for verbs that only an agent answers; false for verbs that open the storage without one.</param>
    public AgentOptions(bool required)
    {
        _required = required;
        Agent = new("--agent")
        {
            Description = required
                ? "The agent to ask: its unix socket (the config's \"socket\") or http://HOST:PORT of its TCP endpoint."
                : "Send the verb to this agent (its unix socket, or http://HOST:PORT) instead of opening the storage: it runs as a task on the pool's SPM. " +
                  "--path, --device, --host-id and --no-wait are then not used; --json prints the task record. Without --agent or --direct the verb goes " +
                  $"through ${AgentDiscovery.AgentVariable}, or else through the agent of this host that serves the domain's pool (listed in " +
                  "$SANPOOL_RUN_DIR/agents, default /run/sanpool/agents), following its task to the end; only if there is none does it open the storage.",
            HelpName = "SOCKET|URL",
            Required = required,
        };
    }

    public Option<string> Agent { get; }

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"The agent's bearer token, needed over TCP (default ${TokenVariable}).",
        HelpName = "TOKEN",
    };

    /// <summary>Structural verbs only: follow the task to its end.</summary>
    public Option<bool> Wait { get; } = new("--wait")
    {
        Description = "With --agent: follow the task until it ends, progress on stderr, then print its result (exit 1 if it failed). " +
                      "Without --wait the task's id is printed at once.",
    };

    /// <summary>The request's "forward": true when --forward was given, else left out (a host that is not SPM then answers NOT_SPM).</summary>
    public bool? Forwarding(ParseResult p) => p.GetValue(Forward) ? true : null;

    /// <summary>Structural verbs only: ask a host that is not SPM to pass the verb on.</summary>
    public Option<bool> Forward { get; } = new("--forward")
    {
        Description = "With --agent: if that host is not the SPM, it forwards the verb to the SPM instead of refusing with NOT_SPM.",
    };

    /// <summary>Structural verbs only: open the storage even when an agent of this host serves the domain's pool.</summary>
    public Option<bool> Direct { get; } = new("--direct")
    {
        Description = "Open the storage from this process even if an agent of this host serves the domain's pool: join the domain's lockspace " +
                      "(2 x io_timeout, 20 s at the default io_timeout 10) and take its SDM lease, which the pool's SPM holds while it runs. " +
                      "--host-id and --no-wait imply it.",
    };

    public void AddTo(Command command, bool structural)
    {
        command.Options.Add(Agent);
        command.Options.Add(Token);
        if (structural)
        {
            command.Options.Add(Wait);
            command.Options.Add(Forward);
            command.Options.Add(Direct);
        }
    }

    /// <summary>True if the command goes to an agent. Options that only make sense with --agent are refused without it.</summary>
    public bool Given(ParseResult p)
    {
        if (p.GetValue(Agent) is { Length: > 0 })
        {
            return true;
        }

        if (_required)
        {
            throw new UsageException("give --agent SOCKET|URL");
        }

        foreach (var option in new Option[] { Token, Wait, Forward })
        {
            if (p.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"{option.Name} needs --agent SOCKET|URL");
            }
        }

        return false;
    }

    /// <summary>
    /// The way a structural verb on <paramref name="domain"/> goes: to <c>--agent</c>; to the
    /// storage (null) with <c>--direct</c> or any of <paramref name="directOnly"/> given; else to
    /// the agent <see cref="AgentDiscovery"/> finds, or to the storage if none.
    /// </summary>
    public async Task<AgentRoute?> RouteAsync(ParseResult p, Guid domain, Option[] storageOptions, Option[] directOnly, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(p);
        bool direct = p.GetValue(Direct);
        if (p.GetValue(Agent) is { Length: > 0 })
        {
            if (direct)
            {
                throw new UsageException("--direct opens the storage and --agent sends the verb to an agent: give one of them");
            }

            RefuseWithAgent(p, storageOptions);
            return new AgentRoute(Client(p), p.GetValue(Wait), Forwarding(p));
        }

        Given(p);
        if (direct || directOnly.Any(o => p.GetResult(o) is { Implicit: false }))
        {
            return null;
        }

        // --path and --device only say where the storage is; the agent finds the domain itself.
        return await AgentDiscovery.FindAsync(domain, TokenOf(p), ct).ConfigureAwait(false);
    }

    /// <summary>Refuses storage options given together with --agent: the agent finds the domains itself.</summary>
    public static void RefuseWithAgent(ParseResult p, params Option[] storageOptions)
    {
        ArgumentNullException.ThrowIfNull(p);
        foreach (var option in storageOptions)
        {
            if (p.GetResult(option) is { Implicit: false })
            {
                throw new UsageException($"{option.Name} opens the storage directly; with --agent the agent finds the domains itself, so leave {option.Name} out");
            }
        }
    }

    private string? TokenOf(ParseResult p) => p.GetValue(Token) ?? (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t : null);

    /// <summary>A client of the agent the options name; a bad target or token is a usage error (exit 2).</summary>
    public AgentClient Client(ParseResult p)
    {
        string target = p.GetValue(Agent) is { Length: > 0 } a ? a : throw new UsageException("give --agent SOCKET|URL");
        string? token = TokenOf(p);
        try
        {
            return AgentClient.Create(target, token);
        }
        catch (SanpoolException e) when (e.Code == CommonErrors.InvalidArgument)
        {
            throw new UsageException($"--agent/--token: {e.Message}");
        }
    }
}
