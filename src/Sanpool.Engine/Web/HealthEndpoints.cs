using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Engine.Web;

/// <summary><c>GET /api/health</c>: anonymous, for load balancers and scripts waiting for the engine.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder api)
    {
        api.MapGet("/health", GetHealth)
            .AllowAnonymous()
            .WithName("GetHealth")
            .WithSummary("Whether the engine serves, and its version")
            .WithTags("system");
        return api;
    }

    private static Ok<HealthDto> GetHealth() => TypedResults.Ok(new HealthDto("ok", EngineVersion.Text));
}
