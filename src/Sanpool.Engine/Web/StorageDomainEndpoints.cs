using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;
using Sanpool.Engine.Reconciliation;
using Sanpool.Engine.Security;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// Storage domains:
/// <code>
/// GET  /api/storagedomains                paged, by name
/// GET  /api/storagedomains/{id}
/// GET  /api/storagedomains/{id}/disks     the disks with a volume on it, paged
/// GET  /api/storagedomains/{id}/chains    every disk compared with the storage, from one read
/// POST /api/storagedomains/{id}/reconcile every disk's safe fixes, each as a job
/// </code>
/// </summary>
public static class StorageDomainEndpoints
{
    public static IEndpointRouteBuilder MapStorageDomains(this IEndpointRouteBuilder api)
    {
        api.MapGet("/storagedomains", ListAsync).RequiresLogin()
            .WithName("ListStorageDomains").WithSummary("The storage domains, by name").WithTags("storagedomains");
        api.MapGet("/storagedomains/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetStorageDomain").WithSummary("One storage domain: type, status in its data center, sizes").WithTags("storagedomains");
        api.MapGet("/storagedomains/{id}/disks", ListDisksAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("ListStorageDomainDisks").WithSummary("The disks with a volume on a storage domain, by alias").WithTags("storagedomains");
        api.MapGet("/storagedomains/{id}/chains", ChainsAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable)
            .WithName("GetStorageDomainChains")
            .WithSummary("Every disk of the domain compared with its storage from one read (seed 003 for a whole domain): the disks that disagree, and images no disk names")
            .WithTags("storagedomains");
        api.MapPost("/storagedomains/{id}/reconcile", ReconcileAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable)
            .WithName("ReconcileStorageDomain")
            .WithSummary("Apply every disk's fixes that cannot lose data, each disk as its own job; the rest is listed as waiting for an admin")
            .WithTags("storagedomains");
        return api;
    }

    private static async Task<Ok<Page<StorageDomainDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var domains = await db.Pools.ListDomainsAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Pools.CountDomainsAsync(cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        var dtos = new List<StorageDomainDto>(domains.Count);
        foreach (var domain in domains)
        {
            dtos.Add(await ToDtoAsync(db, domain, api, cancellationToken).ConfigureAwait(false));
        }

        return TypedResults.Ok(Paging.Answer(http, request, dtos, total));
    }

    private static async Task<Ok<StorageDomainDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(db, id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await ToDtoAsync(db, domain, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Ok<Page<DiskDto>>> ListDisksAsync(string id, int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(db, id, cancellationToken).ConfigureAwait(false);
        var request = PageRequest.From(max, page);
        var disks = await db.Disks.ListOnDomainAsync(domain.Id, ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Disks.CountOnDomainAsync(domain.Id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Paging.Answer(http, request, await DiskEndpoints.ToDtosAsync(db, disks, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false), total));
    }

    private static async Task<Ok<DomainChainsReport>> ChainsAsync(string id, [FromServices] EngineDatabase db, [FromServices] DiskReconciler reconciler, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(db, id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await reconciler.ReadDomainAsync(domain.Id, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Ok<DomainReconcileResult>> ReconcileAsync(
        string id, HttpContext http, [FromServices] EngineDatabase db, [FromServices] DiskReconciler reconciler, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken)
    {
        var domain = await FindAsync(db, id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await reconciler.ReconcileDomainAsync(domain.Id, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<StorageDomainStatic> FindAsync(EngineDatabase db, string id, CancellationToken cancellationToken)
    {
        Guid domainId = EntityIds.Parse(id, "storage domain");
        return await db.Pools.GetDomainAsync(domainId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.StorageDomainNotFound, $"storage domain {domainId} does not exist");
    }

    private static async Task<StorageDomainDto> ToDtoAsync(EngineDatabase db, StorageDomainStatic domain, string api, CancellationToken cancellationToken)
    {
        var sizes = await db.Pools.GetDomainDynamicAsync(domain.Id, cancellationToken).ConfigureAwait(false);
        var attachments = await db.Pools.ListAttachmentsAsync(domain.Id, cancellationToken).ConfigureAwait(false);
        var attachment = attachments.Count > 0 ? attachments[0] : null;
        return StorageDomainDto.From(domain, sizes, attachment, api);
    }
}
