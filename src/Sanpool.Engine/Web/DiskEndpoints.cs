using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// Disks, read-only for now:
/// <code>
/// GET /api/disks        paged, by alias
/// GET /api/disks/{id}
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
        return api;
    }

    /// <summary>A disk as the API shows it, from its chain, the volumes' domains and figures.</summary>
    internal static async Task<DiskDto> ToDtoAsync(EngineDatabase db, BaseDisk disk, string api, CancellationToken cancellationToken)
    {
        var chain = await db.Images.ListByDiskAsync(disk.DiskId, cancellationToken).ConfigureAwait(false);
        var leaf = chain.FirstOrDefault(i => i.Active) ?? chain[^1];
        var domains = new SortedSet<Guid>();
        long? total = 0;
        long? leafActual = null;
        foreach (var image in chain)
        {
            foreach (var map in await db.Images.ListDomainsAsync(image.ImageGuid, cancellationToken).ConfigureAwait(false))
            {
                domains.Add(map.StorageDomainId);
            }

            long? actual = (await db.Images.GetDynamicAsync(image.ImageGuid, cancellationToken).ConfigureAwait(false))?.ActualSize;
            total = actual is null ? null : total + actual;
            if (image.ImageGuid == leaf.ImageGuid)
            {
                leafActual = actual;
            }
        }

        var status = chain.Any(i => i.ImageStatus == ImageStatus.LOCKED) ? ImageStatus.LOCKED : leaf.ImageStatus;
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

    internal static async Task<IReadOnlyList<DiskDto>> ToDtosAsync(EngineDatabase db, IReadOnlyList<BaseDisk> disks, string api, CancellationToken cancellationToken)
    {
        var dtos = new List<DiskDto>(disks.Count);
        foreach (var disk in disks)
        {
            dtos.Add(await ToDtoAsync(db, disk, api, cancellationToken).ConfigureAwait(false));
        }

        return dtos;
    }

    private static async Task<Ok<Page<DiskDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var disks = await db.Disks.ListAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Disks.CountAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Paging.Answer(http, request, await ToDtosAsync(db, disks, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false), total));
    }

    private static async Task<Ok<DiskDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        Guid diskId = EntityIds.Parse(id, "disk");
        var disk = await db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
        return TypedResults.Ok(await ToDtoAsync(db, disk, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
    }
}
