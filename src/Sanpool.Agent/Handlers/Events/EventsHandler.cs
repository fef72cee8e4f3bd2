using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Api.Events;

namespace Sanpool.Agent.Handlers.Events;

/// <summary><c>events</c>: what this agent told the manager after a number, oldest first.</summary>
internal sealed class EventsHandler(AgentParts parts) : IVerbHandler<EventsRequest, EventsReply>
{
    public Task<EventsReply> HandleAsync(EventsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var events = parts.Events;
        long last = events.Last;
        return Task.FromResult(new EventsReply(last, [.. events.Since(request.Since ?? 0).Cast<JsonObject>()]));
    }
}
