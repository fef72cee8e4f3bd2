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
/// Templates:
/// <code>
/// GET  /api/templates        paged, by name
/// GET  /api/templates/{id}
/// POST /api/templates        from a VM that is down  -> 202, Location: its job
/// </code>
/// </summary>
public static class TemplateEndpoints
{
    public static IEndpointRouteBuilder MapTemplates(this IEndpointRouteBuilder api)
    {
        api.MapGet("/templates", ListAsync).RequiresLogin()
            .WithName("ListTemplates").WithSummary("The templates, by name").WithTags("templates");
        api.MapGet("/templates/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetTemplate").WithSummary("One template with its disks").WithTags("templates");
        api.MapPost("/templates", CreateAsync).RequiresLogin()
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable)
            .WithName("AddTemplate").WithSummary("Make a template of a VM that is down, each disk collapsed into one shared volume, as one job (202 with the job)").WithTags("templates");
        return api;
    }

    private static async Task<Ok<Page<TemplateDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var templates = await db.Templates.ListAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Templates.CountAsync(cancellationToken).ConfigureAwait(false);
        var dtos = new List<TemplateDto>(templates.Count);
        foreach (var template in templates)
        {
            dtos.Add(await ToDtoAsync(db, template, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
        }

        return TypedResults.Ok(Paging.Answer(http, request, dtos, total));
    }

    private static async Task<Ok<TemplateDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        Guid templateId = EntityIds.Parse(id, "template");
        var template = await db.Templates.GetAsync(templateId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.TemplateNotFound, $"template {templateId} does not exist");
        return TypedResults.Ok(await ToDtoAsync(db, template, ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Accepted<TemplateActionDto>> CreateAsync(
        CreateTemplateRequest body, HttpContext http, [FromServices] TemplateJobs templates, [FromServices] EngineDatabase db,
        [FromServices] CorrelationContext correlation, CancellationToken cancellationToken)
    {
        Guid vmId = EntityIds.Parse(body.Vm?.Id ?? throw new SanpoolException(EngineErrors.InvalidTemplate, "give vm: { \"id\": ... }"), "VM");
        var (job, template) = await templates.CreateTemplateAsync(
            vmId, body.Name ?? throw new SanpoolException(EngineErrors.InvalidTemplate, "give name"), body.Description, correlation.Id,
            EngineAuthentication.UserId(http.User), cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        var dto = await JobEndpoints.ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted(dto.Href, new TemplateActionDto(dto, new RefDto(template.VmGuid, $"{api}/templates/{template.VmGuid}")));
    }

    private static async Task<TemplateDto> ToDtoAsync(EngineDatabase db, VmStatic template, string api, CancellationToken cancellationToken)
    {
        var elements = await db.Vms.ListDisksAsync(template.VmGuid, cancellationToken).ConfigureAwait(false);
        var disks = new List<BaseDisk>();
        foreach (var element in elements)
        {
            if (await db.Disks.GetAsync(element.DiskId, cancellationToken).ConfigureAwait(false) is { } disk)
            {
                disks.Add(disk);
            }
        }

        IReadOnlyList<DiskDto> dtos = disks.Count == 0 ? [] : await DiskEndpoints.ToDtosAsync(db, disks, api, cancellationToken).ConfigureAwait(false);
        var status = dtos.Any(d => d.Status == ImageStatus.LOCKED) ? ImageStatus.LOCKED : dtos.Any(d => d.Status == ImageStatus.ILLEGAL) ? ImageStatus.ILLEGAL : ImageStatus.OK;
        return new TemplateDto(template.VmGuid, template.VmName, template.Description, template.MemSizeMb, status, template.CreationDate, dtos, $"{api}/templates/{template.VmGuid}");
    }
}
