using Sanpool.Api.Client;
using Sanpool.Api.Binding;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sanpool.Core;

namespace Sanpool.Agent.Api;

/// <summary>
/// The outermost step of every request: logs it (method, path, status, code, milliseconds,
/// naming the host) and turns whatever was thrown into a problem document
/// (<see cref="AgentProblems"/>). A <see cref="SanpoolException"/> keeps its code and message;
/// Kestrel's own refusals of the body (too large, broken chunking) become REQUEST_TOO_LARGE or
/// BAD_REQUEST; anything else is AGENT_INTERNAL with the exception only in the log. A client that
/// went away (the request aborted, whatever was thrown) gets nothing.
/// </summary>
internal sealed class RequestBarrier(string host, ILogger logger, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        long start = time.GetTimestamp();
        string path = VerbArgs.Printable(http.Request.Path.Value ?? "");
        string code = "";
        AddHeaders(http.Response);
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // Cancelled, or a read of the body failed with the connection: nobody to answer.
            ApiLog.Aborted(logger, host, http.Request.Method, path, time.GetElapsedTime(start).TotalMilliseconds);
            return;
        }
        catch (Exception e)
        {
            var error = AsSanpoolException(e);
            if (error.Code == AgentErrors.Internal)
            {
                ApiLog.Unexpected(logger, host, http.Request.Method, path, e);
            }

            code = " " + error.Code.Name;
            await WriteAsync(http, error, replace: !ReferenceEquals(error, e)).ConfigureAwait(false);
        }

        ApiLog.Request(logger, host, http.Request.Method, path, http.Response.StatusCode, code, time.GetElapsedTime(start).TotalMilliseconds);
    }

    private static SanpoolException AsSanpoolException(Exception e) => e switch
    {
        SanpoolException known => known,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new(AgentErrors.RequestTooLarge, "the request body is larger than the agent takes"),
        BadHttpRequestException bad => new(AgentErrors.BadRequest, $"the request is malformed: {VerbArgs.Printable(bad.Message)}"),
        _ => new(AgentErrors.Internal, "unexpected error in the agent; its log has the details"),
    };

    private static async Task WriteAsync(HttpContext http, SanpoolException error, bool replace)
    {
        if (http.Response.HasStarted)
        {
            // Part of an answer is on the wire: the only honest end is a broken connection.
            http.Abort();
            return;
        }

        if (replace)
        {
            // Not one of ours: whatever the response held (headers a handler set) goes.
            http.Response.Clear();
            AddHeaders(http.Response);
        }

        await AgentProblems.WriteAsync(http, error).ConfigureAwait(false);
    }

    private static void AddHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
