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
/// Jobs, the record of every user action:
/// <code>
/// GET /api/jobs        paged, newest first
/// GET /api/jobs/{id}   with its steps and the entities it works on
/// </code>
/// </summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder api)
    {
        api.MapGet("/jobs", ListAsync).RequiresLogin()
            .WithName("ListJobs").WithSummary("The jobs, newest first, with their steps").WithTags("jobs");
        api.MapGet("/jobs/{id}", GetAsync).RequiresLogin().ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetJob").WithSummary("One job: status, steps with their progress and SPM task, the entities it locks").WithTags("jobs");
        return api;
    }

    internal static async Task<JobDto> ToDtoAsync(EngineDatabase db, Guid jobId, string api, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.JobNotFound, $"job {jobId} does not exist");
        var steps = await db.Jobs.ListStepsAsync(jobId, cancellationToken).ConfigureAwait(false);
        var subjects = await db.Jobs.ListSubjectsAsync(jobId, cancellationToken).ConfigureAwait(false);
        return JobDto.From(job, steps, subjects, api);
    }

    private static async Task<Ok<Page<JobDto>>> ListAsync(int? max, int? page, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var jobs = await db.Jobs.ListJobsAsync(ApiPaths.PageOf(request), cancellationToken).ConfigureAwait(false);
        long total = await db.Jobs.CountJobsAsync(cancellationToken).ConfigureAwait(false);
        string api = ApiPaths.Api(http);
        var dtos = new List<JobDto>(jobs.Count);
        foreach (var job in jobs)
        {
            dtos.Add(await ToDtoAsync(db, job.JobId, api, cancellationToken).ConfigureAwait(false));
        }

        return TypedResults.Ok(Paging.Answer(http, request, dtos, total));
    }

    private static async Task<Ok<JobDto>> GetAsync(string id, HttpContext http, [FromServices] EngineDatabase db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ToDtoAsync(db, EntityIds.Parse(id, "job"), ApiPaths.Api(http), cancellationToken).ConfigureAwait(false));
}
