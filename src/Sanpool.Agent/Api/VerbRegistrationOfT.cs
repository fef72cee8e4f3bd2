using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Sanpool.Api;
using Sanpool.Api.Binding;

namespace Sanpool.Agent.Api;

/// <summary>
/// A verb with its typed handler. Its endpoint reads the argument strings strictly
/// (<see cref="RequestArguments"/>), binds them to a <typeparamref name="TRequest"/>
/// (<see cref="RequestBinder"/>), runs the handler within the request timeout and answers
/// <c>200</c> with the <typeparamref name="TReply"/>: the typed result the OpenAPI document
/// describes.
/// </summary>
internal sealed class VerbRegistration<TRequest, TReply>(AgentVerb<TRequest, TReply> verb, IVerbHandler<TRequest, TReply> handler)
    : VerbRegistration(verb)
    where TRequest : notnull
{
    internal override void Map(IEndpointRouteBuilder group, VerbDispatcher dispatcher)
    {
        Func<HttpContext, Task<Ok<TReply>>> run = http => RunAsync(http, dispatcher);
        group.MapMethods("/" + verb.Name, Post, run)
            .WithName(verb.Name)
            .WithSummary(verb.Summary)
            .WithMetadata(verb) // the OpenAPI document's request body comes from it (VerbOpenApi)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        if (verb.ReadOnly)
        {
            group.MapMethods("/" + verb.Name, Get, run).ExcludeFromDescription();
        }
    }

    private async Task<Ok<TReply>> RunAsync(HttpContext http, VerbDispatcher dispatcher)
    {
        var args = await dispatcher.ReadArgumentsAsync(http, verb).ConfigureAwait(false);
        var request = RequestBinder.Bind<TRequest>(verb.Name, args);
        return TypedResults.Ok(await dispatcher.RunAsync(verb.Name, ct => handler.HandleAsync(request, ct), http.RequestAborted).ConfigureAwait(false));
    }
}
