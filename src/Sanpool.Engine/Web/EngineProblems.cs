using System.Collections.Frozen;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Sanpool.Api.Client;
using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>
/// The one place where an error becomes HTTP: its status, and the RFC 7807 problem document
/// (<c>application/problem+json</c>) carrying the stable code:
/// <code>
/// { "type": "urn:sanpool:error:USER_EXISTS", "title": "USER_EXISTS", "status": 409,
///   "detail": "a user named 'ops' exists", "code": -1060, "error": "USER_EXISTS",
///   "transient": false, "trace_id": "00-4bf9...-01" }
/// </code>
/// Status from the code, first rule that matches:
/// <list type="number">
/// <item>the codes of <see cref="ExplicitStatus"/> (this API's own, and an agent unreachable 502 or silent 504);</item>
/// <item>a name ending in _NOT_FOUND, or NOT_FOUND: 404;</item>
/// <item>a name ending in _EXISTS, _LOCKED, _CONFLICT or _IN_USE, or naming a lock (LOCKED): 409;</item>
/// <item>the usage band -1 .. -99, or a name starting BAD_ or INVALID_: 400;</item>
/// <item>a name ending in _TOO_LARGE: 413;</item>
/// <item>a transient error: 503, worth retrying;</item>
/// <item>anything else: 500.</item>
/// </list>
/// A failure that is not a <see cref="SanpoolException"/> is ENGINE_INTERNAL, 500, whose detail
/// says only where to look: the engine's log, under the trace id the answer carries.
/// </summary>
public static class EngineProblems
{
    public const string ContentType = "application/problem+json";

    /// <summary>The realms a 401 offers, as oVirt does: a token, or a user and password.</summary>
    internal static readonly string[] Challenges = ["Bearer realm=\"sanpool\"", "Basic realm=\"sanpool\""];

    /// <summary>Where the written error's name is left for the request log.</summary>
    internal const string ErrorItem = "sanpool.error";

    private static readonly FrozenDictionary<int, int> ExplicitStatus = new Dictionary<int, int>
    {
        [WebErrors.Unauthenticated.Value] = StatusCodes.Status401Unauthorized,
        [WebErrors.ForbiddenReadOnly.Value] = StatusCodes.Status403Forbidden,
        [WebErrors.AdminRequired.Value] = StatusCodes.Status403Forbidden,
        [WebErrors.BadPage.Value] = StatusCodes.Status400BadRequest,
        [WebErrors.BodyTooLarge.Value] = StatusCodes.Status413PayloadTooLarge,
        [WebErrors.BadCorrelationId.Value] = StatusCodes.Status400BadRequest,
        [WebErrors.BadRequest.Value] = StatusCodes.Status400BadRequest,
        [WebErrors.UnsupportedMediaType.Value] = StatusCodes.Status415UnsupportedMediaType,
        [WebErrors.PathNotFound.Value] = StatusCodes.Status404NotFound,
        [WebErrors.MethodNotAllowed.Value] = StatusCodes.Status405MethodNotAllowed,
        [WebErrors.UserExists.Value] = StatusCodes.Status409Conflict,
        [WebErrors.BadUser.Value] = StatusCodes.Status400BadRequest,
        [WebErrors.NoToken.Value] = StatusCodes.Status400BadRequest,
        [WebErrors.CaNotFound.Value] = StatusCodes.Status404NotFound,
        [WebErrors.CertificateError.Value] = StatusCodes.Status500InternalServerError,
        [WebErrors.Internal.Value] = StatusCodes.Status500InternalServerError,

        // The data layer's generic codes: a row that is not there, or one a change collided with.
        [EngineErrors.NotFound.Value] = StatusCodes.Status404NotFound,
        [EngineErrors.Conflict.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.DbConstraint.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.SpmNotAllowed.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.SpmTasksRunning.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.DiskIllegal.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.VmIsRunning.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.VmsNotConfigured.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.VmNotDown.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.VmNotRunning.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.VmDisksUnsupported.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.StorageDomainIsMaster.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.StorageDomainAttached.Value] = StatusCodes.Status409Conflict,
        [EngineErrors.DataCenterNoSpm.Value] = StatusCodes.Status503ServiceUnavailable,

        // A host's agent the engine had to ask did not answer: the engine is a gateway to it.
        [AgentErrors.Unreachable.Value] = StatusCodes.Status502BadGateway,
        [AgentErrors.Timeout.Value] = StatusCodes.Status504GatewayTimeout,
    }.ToFrozenDictionary();

    /// <summary>The HTTP status an error with <paramref name="code"/> is answered with.</summary>
    public static int StatusFor(ErrorCode code, bool isTransient)
    {
        if (ExplicitStatus.TryGetValue(code.Value, out int status))
        {
            return status;
        }

        string name = code.Name;
        bool Ends(string suffix) => name.EndsWith(suffix, StringComparison.Ordinal);
        return
            code == CommonErrors.NotFound || Ends("_NOT_FOUND") ? StatusCodes.Status404NotFound :
            Ends("_EXISTS") || Ends("_LOCKED") || Ends("_CONFLICT") || Ends("_IN_USE") || name.Contains("LOCKED", StringComparison.Ordinal) ? StatusCodes.Status409Conflict :
            code.Value is <= -1 and >= -99 || name.StartsWith("BAD_", StringComparison.Ordinal) || name.StartsWith("INVALID_", StringComparison.Ordinal) ? StatusCodes.Status400BadRequest :
            Ends("_TOO_LARGE") ? StatusCodes.Status413PayloadTooLarge :
            isTransient ? StatusCodes.Status503ServiceUnavailable :
            StatusCodes.Status500InternalServerError;
    }

    /// <summary>The problem document of <paramref name="error"/> answering <paramref name="http"/>.</summary>
    public static ProblemDetails For(HttpContext http, SanpoolException error)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(error);
        var problem = new ProblemDetails
        {
            Type = "urn:sanpool:error:" + error.Code.Name,
            Title = error.Code.Name,
            Status = StatusFor(error.Code, error.IsTransient),
            Detail = error.Message,
        };
        problem.Extensions["code"] = error.Code.Value;
        problem.Extensions["error"] = error.Code.Name;
        problem.Extensions["transient"] = error.IsTransient;
        problem.Extensions["trace_id"] = TraceId(http);
        return problem;
    }

    /// <summary>Answers <paramref name="http"/> with the problem document of <paramref name="error"/> (401 with its challenges).</summary>
    public static async Task WriteAsync(HttpContext http, SanpoolException error)
    {
        ArgumentNullException.ThrowIfNull(http);
        var problem = For(http, error);
        http.Items[ErrorItem] = error.Code.Name;
        http.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = Challenges;
        }

        await TypedResults.Problem(problem).ExecuteAsync(http).ConfigureAwait(false);
    }

    /// <summary>The request's W3C trace id if one is running, else ASP.NET Core's request id.</summary>
    public static string TraceId(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Activity.Current?.Id ?? http.TraceIdentifier;
    }
}
