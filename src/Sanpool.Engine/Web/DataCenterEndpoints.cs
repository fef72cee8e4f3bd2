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
/// Data centers (pools), read-only for now:
/// <code>
/// GET /api/datacenters        paged, by name
/// GET /api/datacenters/{id}
/// </code>
/// </summary>
public static class DataCenterEndpoints
{
    public static IEndpointRouteBuilder MapDataCenters(this IEndpointRouteBuilder api)
    {
        api.MapGet("/datacenters", ListAsync).RequiresLogin()
            .WithName("ListDataCenters").WithSummary("The data centers (pools), by name").WithTags("datacenters");
        api.MapGet("/datacenters/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetDataCenter").WithSummary("One data center: its status and SPM").WithTags("datacenters");
        return api;
    }

    private static async Task<Ok<Page<DataCenterDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var pools = await db.Pools.ListPoolsAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Pools.CountPoolsAsync(cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        return TypedResults.Ok(Paging.Answer(http, request, pools.Select(p => DataCenterDto.From(p, api)).ToList(), total));
    }

    private static async Task<Ok<DataCenterDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        Guid poolId = EntityIds.Parse(id, "data center");
        var pool = await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DataCenterNotFound, $"data center {poolId} does not exist");
        return TypedResults.Ok(DataCenterDto.From(pool, ApiPaths.Api(http)));
    }
}
