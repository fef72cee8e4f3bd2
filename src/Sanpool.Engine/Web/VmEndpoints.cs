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
/// VMs and their snapshots:
/// <code>
/// GET    /api/vms                        paged, by name
/// GET    /api/vms/{id}
/// POST   /api/vms                        define, with disks        -> 201
///                                        or from a template        -> 202, Location: its job
/// GET    /api/vms/{id}/snapshots         the Active VM and the snapshots, oldest first
/// POST   /api/vms/{id}/snapshots         snapshot every disk       -> 202, Location: its job
/// DELETE /api/vms/{id}/snapshots/{sid}   remove (cold merge)       -> 202, Location: its job
/// POST   /api/vms/{id}/start             run on a host             -> 202, Location: its job
/// POST   /api/vms/{id}/stop              power off                 -> 202, Location: its job
/// </code>
/// </summary>
public static class VmEndpoints
{
    private const int DefaultMemoryMb = 1024;

    public static IEndpointRouteBuilder MapVms(this IEndpointRouteBuilder api)
    {
        api.MapGet("/vms", ListAsync).RequiresLogin()
            .WithName("ListVms").WithSummary("The VMs, by name").WithTags("vms");
        api.MapGet("/vms/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetVm").WithSummary("One VM: memory, run state and host, disks").WithTags("vms");
        api.MapPost("/vms", DefineAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithName("AddVm").WithSummary("Define a VM with existing disks attached (201), or with thin clones of a template's disks, as a job (202 with the job)").WithTags("vms");
        api.MapGet("/vms/{id}/snapshots", ListSnapshotsAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("ListVmSnapshots").WithSummary("The VM's snapshots, the Active VM (its present state) among them, oldest first, each with its volume per disk").WithTags("vms");
        api.MapPost("/vms/{id}/snapshots", CreateSnapshotAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("AddVmSnapshot").WithSummary("Snapshot every disk of a VM that is down, as one job (202 with the job): all the disks or none").WithTags("vms");
        api.MapDelete("/vms/{id}/snapshots/{snapshotId}", RemoveSnapshotAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("RemoveVmSnapshot").WithSummary("Remove a snapshot of a VM that is down: each disk's next volume is merged into the snapshot's, as one job (202 with the job)").WithTags("vms");
        api.MapPost("/vms/{id}/start", StartAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("StartVm").WithSummary("Run a VM that is down on a host (the one given, or the Up host of its data center running fewest VMs), as a job (202 with the job)").WithTags("vms");
        api.MapPost("/vms/{id}/stop", StopAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithName("StopVm").WithSummary("Power a VM off: its host kills it and stops serving its disk, as a job (202 with the job)").WithTags("vms");
        return api;
    }

    private static async Task<Accepted<VmActionDto>> StartAsync(
        string id, HttpContext http, [FromServices] VmRunJobs runs, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken, StartVmRequest? body = null)
    {
        Guid vmId = EntityIds.Parse(id, "VM");
        string? host = body?.Host is { } h ? h.Id ?? h.Name ?? throw new SanpoolException(EngineErrors.InvalidVm, "host is { \"id\": ... } or { \"name\": ... }") : null;
        var job = await runs.StartAsync(vmId, host, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await ActionAcceptedAsync(http, db, job, vmId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<VmActionDto>> StopAsync(
        string id, HttpContext http, [FromServices] VmRunJobs runs, [FromServices] EngineDatabase db, [FromServices] CorrelationContext correlation,
        CancellationToken cancellationToken)
    {
        Guid vmId = EntityIds.Parse(id, "VM");
        var job = await runs.StopAsync(vmId, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await ActionAcceptedAsync(http, db, job, vmId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<VmActionDto>> ActionAcceptedAsync(HttpContext http, EngineDatabase db, Job job, Guid vmId, CancellationToken cancellationToken)
    {
        string api = ApiPaths.Api(http);
        var dto = await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(dto.Href, new VmActionDto(dto, new RefDto(vmId, $"{api}/vms/{vmId}"), null));
    }

    private static async Task<Ok<Page<VmDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var vms = await db.Vms.ListAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Vms.CountAsync(cancellationToken).ConfigureAwait(false);
        var dtos = new List<VmDto>(vms.Count);
        foreach (var vm in vms)
        {
            dtos.Add(await ToDtoAsync(db, vm, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
        }

        return TypedResults.Ok(Paging.Answer(http, request, dtos, total));
    }

    private static async Task<Ok<VmDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ToDtoAsync(db, await VmAsync(db, id, cancellationToken).ConfigureAwait(false), ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Created<VmDto>, Accepted<VmActionDto>>> DefineAsync(
        DefineVmRequest body, HttpContext http, [FromServices] VmJobs vms, [FromServices] TemplateVmJobs clones, [FromServices] EngineDatabase db,
        [FromServices] CorrelationContext correlation, CancellationToken cancellationToken)
    {
        var spec = new DefineVmSpec(
            body.Name ?? throw new SanpoolException(EngineErrors.InvalidVm, "give name"),
            body.MemoryMb ?? DefaultMemoryMb,
            body.Description,
            [.. (body.Disks ?? []).Select(d => EntityIds.Parse(d?.Id ?? throw new SanpoolException(EngineErrors.InvalidVm, "a disk is { \"id\": ... }"), "disk"))],
            body.BootDisk is { } boot ? EntityIds.Parse(boot.Id ?? throw new SanpoolException(EngineErrors.InvalidVm, "boot_disk is { \"id\": ... }"), "disk") : null);
        if (body.Template is { } templateRef)
        {
            // Disks made from the template's: a job (202), as the disks' creation is.
            Guid templateId = EntityIds.Parse(templateRef.Id ?? throw new SanpoolException(EngineErrors.InvalidVm, "template is { \"id\": ... }"), "template");
            var (job, made) = await clones.CreateVmAsync(spec, templateId, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
            string api = ApiPaths.Api(http);
            var jobDto = await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted(jobDto.Href, new VmActionDto(jobDto, new RefDto(made.VmGuid, $"{api}/vms/{made.VmGuid}"), null));
        }

        var vm = await vms.DefineAsync(spec, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        var dto = await ToDtoAsync(db, vm, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created(dto.Href, dto);
    }

    private static async Task<Ok<IReadOnlyList<SnapshotDto>>> ListSnapshotsAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var vm = await VmAsync(db, id, cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        var dtos = new List<SnapshotDto>();
        foreach (var snapshot in await db.Snapshots.ListByVmAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false))
        {
            var volumes = await db.Images.ListBySnapshotAsync(snapshot.SnapshotId, cancellationToken).ConfigureAwait(false);
            dtos.Add(new SnapshotDto(
                snapshot.SnapshotId, snapshot.Description, snapshot.SnapshotType, snapshot.Status, snapshot.CreationDate,
                [.. volumes.OrderBy(v => v.ImageGroupId).Select(v => new SnapshotVolumeDto(v.ImageGroupId, v.ImageGuid, v.ParentId, v.ImageStatus))],
                $"{api}/vms/{vm.VmGuid}/snapshots/{snapshot.SnapshotId}"));
        }

        // The Active VM last, as oVirt lists it: the present after the past.
        return TypedResults.Ok<IReadOnlyList<SnapshotDto>>([.. dtos.OrderBy(d => d.Type == SnapshotType.ACTIVE).ThenBy(d => d.Date)]);
    }

    private static async Task<Accepted<VmActionDto>> CreateSnapshotAsync(
        string id, CreateSnapshotRequest body, HttpContext http, [FromServices] VmJobs vms, [FromServices] EngineDatabase db,
        [FromServices] CorrelationContext correlation, CancellationToken cancellationToken)
    {
        Guid vmId = EntityIds.Parse(id, "VM");
        var (job, snapshotId) = await vms.CreateSnapshotAsync(
            vmId, body.Description ?? throw new SanpoolException(EngineErrors.InvalidVm, "give description"), correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken)
            .ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, vmId, snapshotId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<VmActionDto>> RemoveSnapshotAsync(
        string id, string snapshotId, HttpContext http, [FromServices] VmJobs vms, [FromServices] EngineDatabase db,
        [FromServices] CorrelationContext correlation, CancellationToken cancellationToken)
    {
        Guid vmId = EntityIds.Parse(id, "VM");
        Guid snapshot = EntityIds.Parse(snapshotId, "snapshot");
        var job = await vms.RemoveSnapshotAsync(vmId, snapshot, correlation.Id, EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        return await AcceptedAsync(http, db, job, vmId, snapshot, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Accepted<VmActionDto>> AcceptedAsync(HttpContext http, EngineDatabase db, Job job, Guid vmId, Guid snapshotId, CancellationToken cancellationToken)
    {
        string api = ApiPaths.Api(http);
        var dto = await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(
            dto.Href,
            new VmActionDto(dto, new RefDto(vmId, $"{api}/vms/{vmId}"), new RefDto(snapshotId, $"{api}/vms/{vmId}/snapshots/{snapshotId}")));
    }

    private static async Task<VmStatic> VmAsync(EngineDatabase db, string id, CancellationToken cancellationToken)
    {
        Guid vmId = EntityIds.Parse(id, "VM");
        return await db.Vms.GetAsync(vmId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.VmNotFound, $"VM {vmId} does not exist");
    }

    private static async Task<VmDto> ToDtoAsync(EngineDatabase db, VmStatic vm, string api, CancellationToken cancellationToken)
    {
        var run = await db.Vms.GetDynamicAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false);
        var disks = await db.Vms.ListDisksAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false);
        return new VmDto(
            vm.VmGuid, vm.VmName, vm.Description, vm.MemSizeMb, run?.Status ?? VmStatus.Unknown,
            run?.RunOnVds is { } host ? new RefDto(host, $"{api}/hosts/{host}") : null,
            run?.PauseReason, run?.LastStartTime, run?.LastStopTime, run?.ExitMessage, vm.CreationDate,
            [.. disks.Select(d => new VmDiskDto(d.DiskId, d.IsBoot, d.DiskInterface, $"{api}/disks/{d.DiskId}"))],
            $"{api}/vms/{vm.VmGuid}/snapshots",
            $"{api}/vms/{vm.VmGuid}");
    }
}
