using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sanpool.Api;

namespace Sanpool.Agent.Api;

/// <summary>A verb of a <see cref="VerbTable"/> with its handler, not knowing its types.</summary>
public abstract class VerbRegistration
{
    private protected VerbRegistration(AgentVerb verb) => Verb = verb;

    public AgentVerb Verb { get; }

    /// <summary>Maps the verb's endpoints: POST (documented, typed), and GET for a read-only verb.</summary>
    internal abstract void Map(IEndpointRouteBuilder group, VerbDispatcher dispatcher);

    private protected static readonly string[] Get = [HttpMethods.Get];
    private protected static readonly string[] Post = [HttpMethods.Post];
}
