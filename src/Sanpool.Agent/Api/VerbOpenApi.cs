using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Sanpool.Api;

namespace Sanpool.Agent.Api;

/// <summary>
/// Puts each verb's request schema into the OpenAPI document as its JSON request body. It is
/// not declared with <c>Accepts</c>, because routing would then turn a POST without a JSON
/// content type away before the verb's endpoint, and the API's own answers to that (415 for a
/// body that says it is not JSON; an empty body taken as no arguments) would be lost.
/// </summary>
internal static class VerbOpenApi
{
    public static async Task AddRequestBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<AgentVerb>().FirstOrDefault() is not { } verb)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(verb.RequestType, null, cancellationToken).ConfigureAwait(false);
        operation.RequestBody = new OpenApiRequestBody
        {
            Description = $"the {verb.Name} request; every argument may also be sent as a string",
            Required = false,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new OpenApiMediaType { Schema = schema },
            },
        };
    }
}
