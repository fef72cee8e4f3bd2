using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Sanpool.Api.Binding;
using Sanpool.Core;

namespace Sanpool.Agent.Api;

/// <summary>
/// The API's routes, one endpoint group per verb group (host, pool, spm, tasks, structural,
/// data path, vms, events):
/// <code>
/// POST /v1/{verb}            the verb's request as a JSON object body (or none); 200 and its reply
/// GET  /v1/{verb}?name=value the read-only verbs too
/// GET  /openapi/v1.json      the OpenAPI document: every verb with its request and reply schema
/// /v1/{anything else}        UNKNOWN_VERB, or METHOD_NOT_ALLOWED with Allow for a known verb
/// anything else              404 NOT_FOUND
/// </code>
/// </summary>
internal static class VerbEndpoints
{
    public const string OpenApiPath = "/openapi/v1.json";

    public static IEndpointRouteBuilder MapAgentVerbs(this IEndpointRouteBuilder endpoints, VerbTable verbs, AgentApiOptions options, ILogger logger)
    {
        var dispatcher = new VerbDispatcher(verbs, options, logger);
        var v1 = endpoints.MapGroup("/v1");
        foreach (var group in verbs.Registrations.GroupBy(r => r.Verb.Group, StringComparer.Ordinal))
        {
            var routes = v1.MapGroup("").WithTags(group.Key);
            foreach (var registration in group)
            {
                registration.Map(routes, dispatcher);
            }
        }

        v1.Map("/{verb}", (HttpContext http, string verb) => dispatcher.NoVerb(http, verb)).ExcludeFromDescription();
        endpoints.MapFallback("{*path}", NoRoute).ExcludeFromDescription();
        return endpoints;
    }

    private static IResult NoRoute(HttpContext http) => throw new SanpoolException(CommonErrors.NotFound,
        $"no route {VerbArgs.Printable(http.Request.Path.Value ?? "")}; the API is POST /v1/<verb>");
}
