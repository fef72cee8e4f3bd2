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
/// GET /api/events?from=ID&amp;job=JOB   the events after ID (all if not given), of one job if given, oldest first, paged
/// </code>
/// Ids only grow, so a follower asks again with from = the last id it saw. A job's events say how
/// it went (a failed job's last event says why), which its own record does not.
/// </summary>
public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder api)
    {
        api.MapGet("/events", ListAsync).RequiresLogin()
            .WithName("ListEvents").WithSummary("The events after an id (from), of one job if given (job), oldest first").WithTags("events");
        return api;
    }

    private static async Task<Ok<Page<EventDto>>> ListAsync(long? from, string? job, int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        if (from is < 0)
        {
            throw new SanpoolException(WebErrors.BadRequest, $"from={from}: give an event id, 0 or more");
        }

        Guid? jobId = job is null ? null : EntityIds.Parse(job, "job");
        var request = PageRequest.From(max, page);
        long after = from ?? 0;
        var events = await db.AuditLog.ListSinceAsync(after, jobId, ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.AuditLog.CountSinceAsync(after, jobId, cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        return TypedResults.Ok(Paging.Answer(http, request, events.Select(e => EventDto.From(e, api)).ToList(), total));
    }
}
