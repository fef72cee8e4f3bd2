using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// Events (<c>audit_log</c>):
/// <code>
/// GET /api/events?from=ID   the events after ID (all if not given), oldest first, paged
/// </code>
/// Ids only grow, so a follower asks again with from = the last id it saw.
/// </summary>
public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder api)
    {
        api.MapGet("/events", ListAsync).RequiresLogin()
            .WithName("ListEvents").WithSummary("The events after an id (from), oldest first").WithTags("events");
        return api;
    }

    private static async Task<Ok<Page<EventDto>>> ListAsync(long? from, int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        if (from is < 0)
        {
            throw new SanpoolException(WebErrors.BadRequest, $"from={from}: give an event id, 0 or more");
        }

        var request = PageRequest.From(max, page);
        long after = from ?? 0;
        var events = await db.AuditLog.ListSinceAsync(after, ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.AuditLog.CountSinceAsync(after, cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        return TypedResults.Ok(Paging.Answer(http, request, events.Select(e => EventDto.From(e, api)).ToList(), total));
    }
}
