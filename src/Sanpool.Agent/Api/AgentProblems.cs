using Sanpool.Api.Client;
using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Storage;

namespace Sanpool.Agent.Api;

/// <summary>
/// The one place where an error becomes HTTP: its status, and the RFC 7807 problem document
/// that carries the stable code. Every error body of the API is built here:
/// <code>
/// { "type": "urn:sanpool:error:NOT_SPM", "title": "NOT_SPM", "status": 409,
///   "detail": "host 1 is not SPM of pool ...; the SPM is host 2",
///   "code": -702, "name": "NOT_SPM", "transient": true }
/// </code>
/// Status from the code, first rule that matches:
/// <list type="number">
/// <item>the codes of <see cref="ExplicitStatus"/> (the transport's own, NOT_SPM 409, ...);</item>
/// <item>the usage band -1 .. -99 (INVALID_ARGUMENT, TOO_SMALL, ...): 400, NOT_FOUND 404;</item>
/// <item>a name ending in _NOT_FOUND: 404; in _EXISTS: 409 (every band names them so);</item>
/// <item>a transient error (busy, contending, unreachable storage): 503, worth retrying;</item>
/// <item>anything else (I/O, corrupt metadata, a failed tool): 500, with its code and message.</item>
/// </list>
/// A failure that is not a <see cref="SanpoolException"/> is AGENT_INTERNAL, 500, with a
/// message that says nothing of the exception: the agent's log has it.
/// </summary>
public static class AgentProblems
{
    public const string ContentType = "application/problem+json";

    private static readonly FrozenDictionary<int, int> ExplicitStatus = new Dictionary<int, int>
    {
        [AgentErrors.Unauthorized.Value] = StatusCodes.Status401Unauthorized,
        [AgentErrors.BadRequest.Value] = StatusCodes.Status400BadRequest,
        [AgentErrors.UnknownVerb.Value] = StatusCodes.Status404NotFound,
        [AgentErrors.RequestTooLarge.Value] = StatusCodes.Status413PayloadTooLarge,
        [AgentErrors.MethodNotAllowed.Value] = StatusCodes.Status405MethodNotAllowed,
        [AgentErrors.UnsupportedMediaType.Value] = StatusCodes.Status415UnsupportedMediaType,
        [AgentErrors.Timeout.Value] = StatusCodes.Status503ServiceUnavailable,
        [AgentErrors.Internal.Value] = StatusCodes.Status500InternalServerError,

        // Another host holds the role: the caller goes there (the message names the SPM).
        [PoolErrors.NotSpm.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.SpmLeaseLost.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.WrongMaster.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.DomainAttached.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.DomainNotInPool.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.TaskRunning.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.TasksFull.Value] = StatusCodes.Status409Conflict,
        [PoolErrors.SpmContending.Value] = StatusCodes.Status503ServiceUnavailable,
        [StorageErrors.DomainBusy.Value] = StatusCodes.Status503ServiceUnavailable,
        [StorageErrors.VolumeInUse.Value] = StatusCodes.Status409Conflict,
        [StorageErrors.VolumeIllegal.Value] = StatusCodes.Status409Conflict,
        [StorageErrors.ChainBroken.Value] = StatusCodes.Status409Conflict,
    }.ToFrozenDictionary();

    /// <summary>The HTTP status an error with <paramref name="code"/> is answered with.</summary>
    public static int StatusFor(ErrorCode code, bool isTransient)
    {
        if (ExplicitStatus.TryGetValue(code.Value, out int status))
        {
            return status;
        }

        if (code == CommonErrors.NotFound || code.Name.EndsWith("_NOT_FOUND", StringComparison.Ordinal))
        {
            return StatusCodes.Status404NotFound;
        }

        if (code.Value is <= -1 and >= -99)
        {
            return StatusCodes.Status400BadRequest;
        }

        if (code.Name.EndsWith("_EXISTS", StringComparison.Ordinal))
        {
            return StatusCodes.Status409Conflict;
        }

        return isTransient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
    }

    /// <summary>The problem document for <paramref name="error"/>: its code, name, message and transience.</summary>
    public static ProblemDetails For(SanpoolException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var problem = new ProblemDetails
        {
            Type = "urn:sanpool:error:" + error.Code.Name,
            Title = error.Code.Name,
            Status = StatusFor(error.Code, error.IsTransient),
            Detail = error.Message,
        };
        problem.Extensions["code"] = error.Code.Value;
        problem.Extensions["name"] = error.Code.Name;
        problem.Extensions["transient"] = error.IsTransient;
        return problem;
    }

    /// <summary>Replaces whatever the response held with the problem document of <paramref name="error"/>.</summary>
    public static async Task WriteAsync(HttpContext http, SanpoolException error)
    {
        ArgumentNullException.ThrowIfNull(http);
        var problem = For(error);
        http.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await TypedResults.Problem(problem).ExecuteAsync(http).ConfigureAwait(false);
    }
}
