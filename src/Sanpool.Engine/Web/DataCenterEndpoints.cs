using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Security;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// Data centers (pools) and their storage domains:
/// <code>
/// GET    /api/datacenters                                   paged, by name
/// GET    /api/datacenters/{id}
/// GET    /api/datacenters/{id}/storagedomains               the attached domains and their status here
/// POST   /api/datacenters/{id}/storagedomains {"id": SD}    attach          -> 202, Location: its job
/// DELETE /api/datacenters/{id}/storagedomains/{sd}          detach (in Maintenance, not the master) -> 202
/// POST   /api/datacenters/{id}/storagedomains/{sd}/deactivate  to Maintenance -> 202
/// POST   /api/datacenters/{id}/storagedomains/{sd}/activate    out of it      -> 202
/// POST   /api/datacenters/{id}/storagedomains/{sd}/makemaster  master role to it -> 202
/// </code>
/// Refusals (409, nothing changed) are decided before the job exists: see <see cref="DomainActions"/>.
/// </summary>
public static class DataCenterEndpoints
{
    public static IEndpointRouteBuilder MapDataCenters(this IEndpointRouteBuilder api)
    {
        api.MapGet("/datacenters", ListAsync).RequiresLogin()
            .WithName("ListDataCenters").WithSummary("The data centers (pools), by name").WithTags("datacenters");
        api.MapGet("/datacenters/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetDataCenter").WithSummary("One data center: its status and SPM").WithTags("datacenters");
        api.MapGet("/datacenters/{id}/storagedomains", ListDomainsAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("ListDataCenterStorageDomains").WithSummary("The storage domains attached to a data center, with their status in it").WithTags("datacenters");
        api.MapPost("/datacenters/{id}/storagedomains", AttachAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("AttachStorageDomain").WithSummary("Attach a storage domain to the data center (through its SPM), as a job").WithTags("datacenters");
        api.MapDelete("/datacenters/{id}/storagedomains/{sd}", DetachAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("DetachStorageDomain").WithSummary("Detach a regular storage domain in Maintenance, as a job; its disks leave the inventory").WithTags("datacenters");
        api.MapPost("/datacenters/{id}/storagedomains/{sd}/deactivate", DeactivateAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("DeactivateStorageDomain")
            .WithSummary("Put a storage domain into Maintenance, as a job (refused for the master, and while VMs run on it, its disks are LOCKED or jobs or SPM tasks work on it)")
            .WithTags("datacenters");
        api.MapPost("/datacenters/{id}/storagedomains/{sd}/activate", ActivateAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithName("ActivateStorageDomain").WithSummary("Take a storage domain out of Maintenance once a host reads it, as a job").WithTags("datacenters");
        api.MapPost("/datacenters/{id}/storagedomains/{sd}/makemaster", MakeMasterAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("MakeMasterStorageDomain").WithSummary("Move the master role to this Active domain (no SPM task may run), as a job").WithTags("datacenters");
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

    private static async Task<Ok<IReadOnlyList<StorageDomainDto>>> ListDomainsAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        Guid poolId = EntityIds.Parse(id, "data center");
        _ = await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DataCenterNotFound, $"data center {poolId} does not exist");
        string api = ApiPaths.Api(http);
        var dtos = new List<StorageDomainDto>();
        foreach (var map in await db.Pools.ListIsoMapAsync(poolId, cancellationToken).ConfigureAwait(false))
        {
            if (await db.Pools.GetDomainAsync(map.StorageId, cancellationToken).ConfigureAwait(false) is { } domain)
            {
                var sizes = await db.Pools.GetDomainDynamicAsync(domain.Id, cancellationToken).ConfigureAwait(false);
                dtos.Add(StorageDomainDto.From(domain, sizes, map, api));
            }
        }

        return TypedResults.Ok<IReadOnlyList<StorageDomainDto>>(dtos);
    }

    private static async Task<Accepted<DomainActionDto>> AttachAsync(
        string id, IdRefDto body, HttpContext http, [FromServices] DomainActions actions, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken)
    {
        Guid poolId = EntityIds.Parse(id, "data center");
        Guid domainId = EntityIds.Parse(body?.Id ?? throw new SanpoolException(WebErrors.BadRequest, "give the storage domain: { \"id\": ... }"), "storage domain");
        var job = await actions.AttachAsync(poolId, domainId, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, domainId, cancellationToken).ConfigureAwait(false);
    }

    private static Task<Accepted<DomainActionDto>> DetachAsync(
        string id, string sd, HttpContext http, [FromServices] DomainActions actions, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken) =>
        RunAsync(id, sd, http, db, (p, d, ct) => actions.DetachAsync(p, d, correlation.Id, EngineAuthentication.UserId(http.User), ct), cancellationToken);

    private static Task<Accepted<DomainActionDto>> DeactivateAsync(
        string id, string sd, HttpContext http, [FromServices] DomainActions actions, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken) =>
        RunAsync(id, sd, http, db, (p, d, ct) => actions.DeactivateAsync(p, d, correlation.Id, EngineAuthentication.UserId(http.User), ct), cancellationToken);

    private static Task<Accepted<DomainActionDto>> ActivateAsync(
        string id, string sd, HttpContext http, [FromServices] DomainActions actions, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken) =>
        RunAsync(id, sd, http, db, (p, d, ct) => actions.ActivateAsync(p, d, correlation.Id, EngineAuthentication.UserId(http.User), ct), cancellationToken);

    private static Task<Accepted<DomainActionDto>> MakeMasterAsync(
        string id, string sd, HttpContext http, [FromServices] DomainActions actions, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken) =>
        RunAsync(id, sd, http, db, (p, d, ct) => actions.MoveMasterAsync(p, d, correlation.Id, EngineAuthentication.UserId(http.User), ct), cancellationToken);

    private static async Task<Accepted<DomainActionDto>> RunAsync(
        string id, string sd, HttpContext http, EngineDatabase db, Func<Guid, Guid, CancellationToken, Task<Job>> action, CancellationToken cancellationToken)
    {
        Guid poolId = EntityIds.Parse(id, "data center");
        Guid domainId = EntityIds.Parse(sd, "storage domain");
        var job = await action(poolId, domainId, cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, domainId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<DomainActionDto>> AcceptedAsync(HttpContext http, EngineDatabase db, Job job, Guid domainId, CancellationToken cancellationToken)
    {
        string api = ApiPaths.Api(http);
        var dto = await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(dto.Href, new DomainActionDto(dto, new RefDto(domainId, $"{api}/storagedomains/{domainId}")));
    }
}
