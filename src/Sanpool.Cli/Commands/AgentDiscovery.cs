using Sanpool.Agent.Registry;
using Sanpool.Api;
using Sanpool.Api.Client;
using Sanpool.Api.Host;
using Sanpool.Api.Pools;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// Finds the agent a structural verb without <c>--agent</c> should go through, so the one-shot
/// CLI does not join the domain's lockspace itself (2 x io_timeout: 20 s at the default
/// io_timeout 10) when an agent of this host already holds it:
/// <list type="number">
/// <item><c>$SANPOOL_AGENT</c> (a socket or URL): used as if given with <c>--agent</c>; if it does
/// not answer, the command fails saying so, rather than falling back quietly.</item>
/// <item>the host's agent registry (<see cref="AgentRegistry"/>, <c>$SANPOOL_RUN_DIR/agents</c>):
/// the first agent whose <c>domain.info</c> of the domain answers with the agent's own pool.
/// An agent that is gone, still connecting, or serving another pool is passed over (said why
/// with <c>$SANPOOL_VERBOSE</c>).</item>
/// </list>
/// None found: the verb opens the storage. The way taken is told on stderr in one line.
/// </summary>
internal static class AgentDiscovery
{
    public const string AgentVariable = "SANPOOL_AGENT";

    /// <summary>How long a registered agent may take to answer before it is passed over: a frozen agent must not hold up the CLI.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    public static async Task<AgentRoute?> FindAsync(Guid domain, string? token, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(AgentVariable) is { Length: > 0 } target)
        {
            return await FromVariableAsync(target, token, ct).ConfigureAwait(false);
        }

        foreach (var agent in AgentRegistry.List())
        {
            string? why = await ProbeAsync(agent, domain, ct).ConfigureAwait(false);
            if (why is null)
            {
                await Console.Error.WriteLineAsync($"sanpool: via agent {agent.Socket} (host {agent.HostId}, pool {agent.Pool})").ConfigureAwait(false);
                return new AgentRoute(AgentClient.Create(agent.Socket, null), wait: true, forward: true);
            }

            if (Verbose)
            {
                await Console.Error.WriteLineAsync($"sanpool: not via agent {agent.Socket} (host {agent.HostId}, pool {agent.Pool}): {why}").ConfigureAwait(false);
            }
        }

        return null;
    }

    private static bool Verbose => Environment.GetEnvironmentVariable("SANPOOL_VERBOSE") is { Length: > 0 };

    /// <summary>Null if the agent serves <paramref name="domain"/> in its own pool; else why it is not used.</summary>
    private static async Task<string?> ProbeAsync(AgentRegistration agent, Guid domain, CancellationToken ct)
    {
        if (!Path.Exists(agent.Socket))
        {
            return "its socket is gone (the agent stopped without removing its registration)";
        }

        try
        {
            using var client = AgentClient.Create(agent.Socket, null, ProbeTimeout);
            var info = await client.CallAsync(AgentVerbs.DomainInfo, new DomainInfoRequest(domain), ct).ConfigureAwait(false);
            return Guid.TryParse(info.Pool, out var pool) && pool == agent.Pool ? null
                : $"domain {domain} is in {(info.Pool is { Length: > 0 } p ? $"pool {p}" : "no pool")}, not in the agent's";
        }
        catch (SanpoolException e)
        {
            return e.OneLine;
        }
    }

    /// <summary>The agent <c>$SANPOOL_AGENT</c> names, asked for its host and pool; an agent that does not answer is an error.</summary>
    private static async Task<AgentRoute> FromVariableAsync(string target, string? token, CancellationToken ct)
    {
        AgentClient client;
        try
        {
            client = AgentClient.Create(target, token);
        }
        catch (SanpoolException e) when (e.Code == CommonErrors.InvalidArgument)
        {
            throw new UsageException($"${AgentVariable}={target}: {e.Message}");
        }

        try
        {
            using var probe = AgentClient.Create(target, token, ProbeTimeout);
            var status = await AgentCall.CallAsync(probe, AgentVerbs.Status, new StatusRequest(), ct).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"sanpool: via agent {client.Target} (host {status.HostId}, pool {status.Pool}), from ${AgentVariable}").ConfigureAwait(false);
            return new AgentRoute(client, wait: true, forward: true);
        }
        catch (SanpoolException e)
        {
            client.Dispose();
            throw new SanpoolException(e.Code, $"${AgentVariable}={target}: {e.Message}; unset it, or give --direct to open the storage instead", e.IsTransient, e);
        }
    }
}
