using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// Hosts:
/// <code>
/// GET    /api/hosts                  paged, by name
/// GET    /api/hosts/{id}
/// POST   /api/hosts                  add by the agent's address -> 201 + Location
/// POST   /api/hosts/{id}/deactivate  to Maintenance (not the SPM: 409)
/// POST   /api/hosts/{id}/activate    out of Maintenance
/// POST   /api/hosts/{id}/selectasspm make it the SPM now: 200 once it is (409 while the SPM runs tasks,
///                                    for priority -1, a host not Up, or while the SPM changes already)
/// DELETE /api/hosts/{id}             only in Maintenance (409 otherwise)
/// </code>
/// </summary>
public static class HostEndpoints
{
    public static IEndpointRouteBuilder MapHosts(this IEndpointRouteBuilder api)
    {
        api.MapGet("/hosts", ListAsync).RequiresLogin()
            .WithName("ListHosts").WithSummary("The hosts, by name, with their status and SPM role").WithTags("hosts");
        api.MapGet("/hosts/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetHost").WithSummary("One host: status, SPM role and priority, agent address, host id in its data center").WithTags("hosts");
        api.MapPost("/hosts", AddAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status502BadGateway, StatusCodes.Status504GatewayTimeout)
            .WithName("AddHost").WithSummary("Add a host by its agent's address; its data center is imported if new").WithTags("hosts");
        api.MapPost("/hosts/{id}/deactivate", DeactivateAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithName("DeactivateHost").WithSummary("Put a host into Maintenance (refused for the SPM)").WithTags("hosts");
        api.MapPost("/hosts/{id}/activate", ActivateAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithName("ActivateHost").WithSummary("Take a host out of Maintenance; the next poll says its status").WithTags("hosts");
        api.MapPost("/hosts/{id}/selectasspm", SelectAsSpmAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status502BadGateway, StatusCodes.Status504GatewayTimeout)
            .WithName("SelectHostAsSpm").WithSummary("Move the SPM role to this host now (refused while the SPM runs tasks)").WithTags("hosts");
        api.MapDelete("/hosts/{id}", RemoveAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithName("RemoveHost").WithSummary("Remove a host in Maintenance").WithTags("hosts");
        return api;
    }

    private static async Task<Ok<Page<HostDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var hosts = await db.Hosts.ListViewsAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Hosts.CountAsync(cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        return TypedResults.Ok(Paging.Answer(http, request, hosts.Select(h => HostDto.From(h, api)).ToList(), total));
    }

    private static async Task<Ok<HostDto>> GetAsync(string id, HttpContext http, [FromServices] HostService hosts, CancellationToken cancellationToken) =>
        TypedResults.Ok(HostDto.From(await hosts.GetAsync(EntityIds.Parse(id, "host"), cancellationToken).ConfigureAwait(false), ApiPaths.Api(http)));

    private static async Task<Created<HostDto>> AddAsync(AddHostRequest body, HttpContext http, [FromServices] HostService hosts, CancellationToken cancellationToken)
    {
        if (body.Address is null)
        {
            throw new SanpoolException(EngineErrors.InvalidHost, "give address: the agent's unix socket path or http(s)://HOST:PORT");
        }

        var host = await hosts.AddAsync(body.Address, body.Token, body.SpmPriority, body.Name, cancellationToken).ConfigureAwait(false);
        var dto = HostDto.From(host, ApiPaths.Api(http));
        return TypedResults.Created(dto.Href, dto);
    }

    private static async Task<Ok<HostDto>> DeactivateAsync(string id, HttpContext http, [FromServices] HostService hosts, CancellationToken cancellationToken) =>
        TypedResults.Ok(HostDto.From(await hosts.DeactivateAsync(EntityIds.Parse(id, "host"), cancellationToken).ConfigureAwait(false), ApiPaths.Api(http)));

    private static async Task<Ok<HostDto>> ActivateAsync(string id, HttpContext http, [FromServices] HostService hosts, CancellationToken cancellationToken) =>
        TypedResults.Ok(HostDto.From(await hosts.ActivateAsync(EntityIds.Parse(id, "host"), cancellationToken).ConfigureAwait(false), ApiPaths.Api(http)));

    private static async Task<Ok<HostDto>> SelectAsSpmAsync(string id, HttpContext http, [FromServices] SpmManager spm, CancellationToken cancellationToken) =>
        TypedResults.Ok(HostDto.From(await spm.SelectAsync(EntityIds.Parse(id, "host"), cancellationToken).ConfigureAwait(false), ApiPaths.Api(http)));

    private static async Task<NoContent> RemoveAsync(string id, [FromServices] HostService hosts, CancellationToken cancellationToken)
    {
        await hosts.RemoveAsync(EntityIds.Parse(id, "host"), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
