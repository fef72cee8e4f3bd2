using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary>
/// <c>GET /api</c>: the entry point, as oVirt's: what answers, who is logged in, and a link to
/// each collection. A collection is listed here when its endpoint group is mapped.
/// </summary>
public static class ApiRootEndpoints
{
    /// <summary>The collections, in oVirt's names.</summary>
    public static readonly IReadOnlyList<string> Collections = ["datacenters", "hosts", "storagedomains", "disks", "vms", "jobs", "events", "users"];

    public static IEndpointRouteBuilder MapApiRoot(this IEndpointRouteBuilder api)
    {
        api.MapGet("", GetRoot)
            .RequiresLogin()
            .WithName("GetApiRoot")
            .WithSummary("The entry point: the product, the user, and links to the collections")
            .WithTags("system");
        return api;
    }

    private static Ok<ApiRootDto> GetRoot(HttpContext http, ClaimsPrincipal user)
    {
        string prefix = http.Request.PathBase.Add("/api").Value!;
        var links = Collections.Select(c => new LinkDto(c, $"{prefix}/{c}")).ToList();
        return TypedResults.Ok(new ApiRootDto(new ProductInfoDto(EngineAssembly.Name, EngineVersion.Text), user.Identity?.Name ?? "", links));
    }
}
