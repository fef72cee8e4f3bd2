using Sanpool.Api;
using Sanpool.Api.Client;

namespace Sanpool.Engine.Hosts;

/// <summary>Calls agents through <see cref="AgentClient"/>, one client per call (a poll every few seconds does not need pooled connections).</summary>
public sealed class AgentCaller : IAgentCaller
{
    public async Task<TReply> CallAsync<TRequest, TReply>(AgentLink link, AgentVerb<TRequest, TReply> verb, TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(link);
        using var client = AgentClient.Create(link.Address, link.Token, timeout);
        return await client.CallAsync(verb, request, cancellationToken).ConfigureAwait(false);
    }
}
