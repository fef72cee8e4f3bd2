using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;
using Sanpool.Engine.Reconciliation;
using Sanpool.Engine.Security;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// Disks:
/// <code>
/// GET    /api/disks        paged, by alias
/// GET    /api/disks/{id}
/// POST   /api/disks        create on a storage domain -> 202, Location: its job
/// DELETE /api/disks/{id}   remove with its volumes    -> 202, Location: its job
/// POST   /api/disks/{id}/copy   a new disk on a storage domain      -> 202, Location: its job
/// POST   /api/disks/{id}/move   the disk to another storage domain  -> 202, Location: its job
/// GET    /api/disks/{id}/chain   the database's chain and the storage's side by side
/// POST   /api/disks/{id}/reconcile   the safe fixes applied, as a job
/// </code>
/// </summary>
public static class DiskEndpoints
{

    public static IEndpointRouteBuilder MapDisks(this IEndpointRouteBuilder api)
    {
        api.MapGet("/disks", ListAsync).RequiresLogin()
            .WithName("ListDisks").WithSummary("The disks, by alias").WithTags("disks");
        api.MapGet("/disks/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetDisk").WithSummary("One disk: sizes, status, format, allocation and domains").WithTags("disks");
        api.MapPost("/disks", CreateAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("AddDisk").WithSummary("Create a disk of one volume on a storage domain, as a job (202 with the job)").WithTags("disks");
        api.MapDelete("/disks/{id}", RemoveAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("RemoveDisk").WithSummary("Remove a disk and its volumes, as a job (202 with the job; 409 while another job holds it)").WithTags("disks");
        api.MapPost("/disks/{id}/copy", CopyAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("CopyDisk").WithSummary("Copy a disk (its chain collapsed) into a new disk on a storage domain, as a job (202 with the job and the new disk)").WithTags("disks");
        api.MapPost("/disks/{id}/move", MoveAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("MoveDisk").WithSummary("Move a disk with its chain to another storage domain of its data center, as a job (202 with the job)").WithTags("disks");
        api.MapGet("/disks/{id}/chain", ChainAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable)
            .WithName("GetDiskChain")
            .WithSummary("A disk's chain four ways (database rows, volume metadata, LV tags, qcow2 headers), each parent link marked agreeing or not, with every difference and its fix")
            .WithTags("disks");
        api.MapPost("/disks/{id}/reconcile", ReconcileAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable)
            .WithName("ReconcileDisk")
            .WithSummary("Apply every fix that cannot lose data (the rows become the storage's chain) as one job; the others are left for an admin")
            .WithTags("disks");
        return api;
    }

    /// <summary>A disk as the API shows it, from its chain, the volumes' domains and figures.</summary>
    internal static async Task<DiskDto> ToDtoAsync(EngineDatabase db, BaseDisk disk, string api, CancellationToken cancellationToken) =>
        (await ToDtosAsync(db, [disk], api, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Disks as the API shows them, from one query for all their chains (a page of 1,000 disks
    /// of five volumes was 11,001 queries one disk at a time: the chain, then each volume's
    /// domains and figures).
    /// </summary>
    internal static async Task<IReadOnlyList<DiskDto>> ToDtosAsync(EngineDatabase db, IReadOnlyList<BaseDisk> disks, string api, CancellationToken cancellationToken)
    {
        var chains = await db.Images.ListChainsAsync([.. disks.Select(d => d.DiskId)], cancellationToken).ConfigureAwait(false);
        return [.. disks.Select(d => ToDto(d, chains.TryGetValue(d.DiskId, out var chain) ? chain : [], api))];
    }

    private static DiskDto ToDto(BaseDisk disk, IReadOnlyList<ChainVolume> chain, string api)
    {
        var leaf = (chain.FirstOrDefault(v => v.Image.Active) ?? chain[^1]).Image;
        var domains = new SortedSet<Guid>(chain.SelectMany(v => v.Domains));
        long? total = 0;
        long? leafActual = null;
        foreach (var volume in chain)
        {
            total = volume.ActualSize is null ? null : total + volume.ActualSize;
            if (volume.Image.ImageGuid == leaf.ImageGuid)
            {
                leafActual = volume.ActualSize;
            }
        }

        var status = chain.Any(v => v.Image.ImageStatus == ImageStatus.LOCKED) ? ImageStatus.LOCKED : leaf.ImageStatus;
        return new DiskDto(
            disk.DiskId,
            disk.DiskAlias,
            disk.DiskDescription,
            leaf.Size,
            leafActual,
            total,
            status,
            leaf.VolumeFormat,
            leaf.VolumeType == VolumeType.Sparse,
            leaf.ImageGuid,
            chain.Count,
            [.. domains.Select(d => new RefDto(d, $"{api}/storagedomains/{d}"))],
            $"{api}/disks/{disk.DiskId}");
    }

    private static async Task<Ok<Page<DiskDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var disks = await db.Disks.ListAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Disks.CountAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Paging.Answer(http, request, await ToDtosAsync(db, disks, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false), total));
    }

    private static async Task<Accepted<ActionDto>> CreateAsync(
        CreateDiskRequest body, HttpContext http, [FromServices] StorageJobs jobs, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken)
    {
        string format = body.Format?.ToUpperInvariant() ?? "COW";
        var spec = new CreateDiskSpec(
            EntityIds.Parse(body.StorageDomain?.Id ?? throw new SanpoolException(EngineErrors.InvalidDisk, "give storage_domain: { \"id\": ... }"), "storage domain"),
            body.ProvisionedSize ?? throw new SanpoolException(EngineErrors.InvalidDisk, "give provisioned_size in bytes"),
            format switch
            {
                "COW" => VolumeFormat.COW,
                "RAW" => VolumeFormat.RAW,
                _ => throw new SanpoolException(EngineErrors.InvalidDisk, $"format '{LogText.Printable(body.Format!, 20)}': cow or raw"),
            },
            body.Sparse ?? format == "COW",
            body.Alias ?? throw new SanpoolException(EngineErrors.InvalidDisk, "give alias"),
            body.Description);
        var (job, diskId) = await jobs.CreateDiskAsync(spec, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, diskId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<ActionDto>> RemoveAsync(
        string id, HttpContext http, [FromServices] StorageJobs jobs, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken)
    {
        Guid diskId = EntityIds.Parse(id, "disk");
        var job = await jobs.RemoveDiskAsync(diskId, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, diskId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<ActionDto>> CopyAsync(
        string id, DiskActionRequest body, HttpContext http, [FromServices] DiskCopyJobs jobs, [FromServices] EngineDatabase db,
        [FromServices] CorrelationContext correlation, CancellationToken cancellationToken)
    {
        Guid diskId = EntityIds.Parse(id, "disk");
        var (job, copyId) = await jobs.CopyDiskAsync(diskId, TargetOf(body), body.Alias, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, copyId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<ActionDto>> MoveAsync(
        string id, DiskActionRequest body, HttpContext http, [FromServices] DiskCopyJobs jobs, [FromServices] EngineDatabase db,
        [FromServices] CorrelationContext correlation, CancellationToken cancellationToken)
    {
        Guid diskId = EntityIds.Parse(id, "disk");
        if (body.Alias is not null)
        {
            throw new SanpoolException(EngineErrors.InvalidDisk, "a move keeps the disk's alias: give only storage_domain");
        }

        var job = await jobs.MoveDiskAsync(diskId, TargetOf(body), correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, diskId, cancellationToken).ConfigureAwait(false);
    }

    private static Guid TargetOf(DiskActionRequest body) =>
        EntityIds.Parse(body.DomainId() ?? throw new SanpoolException(EngineErrors.InvalidDisk, "give storage_domain: { \"id\": ... }"), "storage domain");

    private static async Task<Ok<DiskChainReport>> ChainAsync(string id, [FromServices] DiskReconciler reconciler, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reconciler.ReadAsync(EntityIds.Parse(id, "disk"), cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<ReconcileDto>> ReconcileAsync(
        string id, HttpContext http, [FromServices] DiskReconciler reconciler, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken)
    {
        var (job, applied, after) = await reconciler.ReconcileAsync(EntityIds.Parse(id, "disk"), correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        var jobDto = job is null ? null : await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ReconcileDto(jobDto, applied, after));
    }

    private static async Task<Accepted<ActionDto>> AcceptedAsync(HttpContext http, EngineDatabase db, Job job, Guid diskId, CancellationToken cancellationToken)
    {
        string api = ApiPaths.Api(http);
        var dto = await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(dto.Href, new ActionDto(dto, new RefDto(diskId, $"{api}/disks/{diskId}")));
    }

    private static async Task<Ok<DiskDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        Guid diskId = EntityIds.Parse(id, "disk");
        var disk = await db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
        return TypedResults.Ok(await ToDtoAsync(db, disk, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
    }
}
