using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Core;
using Sanpool.Engine.Security;

namespace Sanpool.Engine.Web;

/// <summary>
/// <c>GET /api/ca.pem</c>: the CA a client is to trust, anonymous, as oVirt's pki-resource
/// serves its engine CA. A client fetches it once (checking its fingerprint out of band) and
/// from then on verifies the engine's certificate against it alone.
/// </summary>
public static class PkiEndpoints
{
    public const string PemMediaType = "application/x-pem-file";

    public static IEndpointRouteBuilder MapPki(this IEndpointRouteBuilder api)
    {
        api.MapGet("/ca.pem", GetCa)
            .AllowAnonymous()
            .Produces<string>(StatusCodes.Status200OK, PemMediaType)
            .ProducesProblems(StatusCodes.Status404NotFound)
            .WithName("GetCaCertificate")
            .WithSummary("The engine's CA certificate (PEM), for clients to trust")
            .WithTags("system");
        return api;
    }

    private static ContentHttpResult GetCa(HttpContext http)
    {
        string? pem = http.RequestServices.GetService<EngineCertificates>()?.AuthorityPem;
        return pem is null
            ? throw new SanpoolException(WebErrors.CaNotFound, "the engine serves a configured certificate without a CA to hand out; ask whoever issued it")
            : TypedResults.Text(pem, PemMediaType);
    }
}
