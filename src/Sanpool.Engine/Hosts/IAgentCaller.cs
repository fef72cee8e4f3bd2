using Sanpool.Api;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// How the engine calls a verb on a host's agent. One seam, so the engine's logic runs in
/// tests against a fake agent; the engine itself uses <see cref="AgentCaller"/>.
/// </summary>
public interface IAgentCaller
{
    /// <summary>Runs <paramref name="verb"/> on the agent at <paramref name="link"/>, waiting at most <paramref name="timeout"/>.</summary>
    /// <exception cref="Sanpool.Core.SanpoolException">The agent's error, or AGENT_UNREACHABLE, AGENT_TIMEOUT, AGENT_PROTOCOL.</exception>
    Task<TReply> CallAsync<TRequest, TReply>(AgentLink link, AgentVerb<TRequest, TReply> verb, TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : notnull;
}
