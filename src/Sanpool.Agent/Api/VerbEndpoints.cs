using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Pool;

namespace Sanpool.Agent.Api;

/// <summary>
/// The API's routes:
/// <code>
/// POST /v1/{verb}            arguments as a JSON object body (or none); 200 and the verb's JSON
/// GET  /v1/{verb}?name=value only the read-only verbs (<see cref="VerbDispatcher.ReadOnlyVerbs"/>)
/// anything else              404 NOT_FOUND
/// </code>
/// Every method reaches the verb route, so a wrong one is a 405 problem document with Allow,
/// not routing's bare 405.
/// </summary>
internal static class VerbEndpoints
{
    public static IEndpointRouteBuilder MapAgentVerbs(this IEndpointRouteBuilder endpoints, IAgentVerbs verbs, AgentApiOptions options, ILogger logger)
    {
        var dispatcher = new VerbDispatcher(verbs, options, logger);
        endpoints.Map("/v1/{verb}", (HttpContext http, string verb) => dispatcher.HandleAsync(http, verb));
        endpoints.MapFallback("{*path}", NoRoute);
        return endpoints;
    }

    private static IResult NoRoute(HttpContext http) => throw new SanpoolException(CommonErrors.NotFound,
        $"no route {VerbArgs.Printable(http.Request.Path.Value ?? "")}; the API is POST /v1/<verb>");
}
