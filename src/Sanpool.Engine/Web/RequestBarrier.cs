using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>
/// The outermost step of every request: logs it (method, path, status, error name, time,
/// correlation id) and makes sure every error is a problem document (<see cref="EngineProblems"/>):
/// <list type="bullet">
/// <item>a <see cref="SanpoolException"/> keeps its code and message;</item>
/// <item>ASP.NET Core's refusals (a body too large, unreadable JSON, a wrong media type) become
/// BODY_TOO_LARGE, BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE with the framework's message;</item>
/// <item>anything else is ENGINE_INTERNAL: its stack trace goes to the log only, the answer says
/// the trace id to look for;</item>
/// <item>an error status with no body (routing's 404 and 405) gets its document here.</item>
/// </list>
/// A client that went away gets nothing; an answer already on the wire ends the connection.
/// </summary>
internal sealed class RequestBarrier(ILogger logger, TimeProvider time, long maxBodyBytes)
{
    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        long start = time.GetTimestamp();
        string path = LogText.Printable(http.Request.Path.Value, 200);
        AddHeaders(http.Response);
        try
        {
            await next(http).ConfigureAwait(false);
            if (http.Response.StatusCode >= 400 && !http.Response.HasStarted && http.Response.ContentType is null && EmptyStatus(http) is { } empty)
            {
                await EngineProblems.WriteAsync(http, empty).ConfigureAwait(false);
            }
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            WebLog.Aborted(logger, http.Request.Method, path, time.GetElapsedTime(start).TotalMilliseconds, Correlation(http));
            return;
        }
        catch (Exception e)
        {
            var error = AsSanpoolException(e, maxBodyBytes);
            if (error.Code == WebErrors.Internal)
            {
                WebLog.Unexpected(logger, http.Request.Method, path, EngineProblems.TraceId(http), Correlation(http), e);
                error = new SanpoolException(WebErrors.Internal, $"unexpected error in the engine; its log has the details under trace id {EngineProblems.TraceId(http)}");
            }

            await WriteAsync(http, error, replace: !ReferenceEquals(error, e)).ConfigureAwait(false);
        }

        string code = http.Items[EngineProblems.ErrorItem] is string name ? " " + name : "";
        WebLog.Request(logger, http.Request.Method, path, http.Response.StatusCode, code, time.GetElapsedTime(start).TotalMilliseconds, Correlation(http));
    }

    private static SanpoolException AsSanpoolException(Exception e, long maxBodyBytes) => e switch
    {
        SanpoolException known => known,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => BodyLimit.TooLarge(null, maxBodyBytes),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } bad => new(WebErrors.UnsupportedMediaType, LogText.Printable(bad.Message, 300)),
        BadHttpRequestException bad => new(WebErrors.BadRequest, $"the request is malformed: {LogText.Printable(bad.Message, 300)}"),
        _ => new(WebErrors.Internal, "unexpected"),
    };

    /// <summary>The error a framework answer without a body stands for.</summary>
    private static SanpoolException? EmptyStatus(HttpContext http) => http.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => new(WebErrors.PathNotFound, $"nothing at {LogText.Printable(http.Request.Path.Value, 200)}; GET /api lists the collections"),
        StatusCodes.Status405MethodNotAllowed => new(WebErrors.MethodNotAllowed, $"{http.Request.Method} is not allowed here; allowed: {http.Response.Headers.Allow}"),
        StatusCodes.Status415UnsupportedMediaType => new(WebErrors.UnsupportedMediaType, $"this endpoint does not take a body of type '{LogText.Printable(http.Request.ContentType, 100)}'"),
        StatusCodes.Status400BadRequest => new(WebErrors.BadRequest, "the request is malformed"),
        _ => null,
    };

    private static async Task WriteAsync(HttpContext http, SanpoolException error, bool replace)
    {
        if (http.Response.HasStarted)
        {
            http.Abort();
            return;
        }

        if (replace)
        {
            // Not one of ours: whatever the response held (headers a handler set) goes.
            http.Response.Clear();
            AddHeaders(http.Response);
            CorrelationIdMiddleware.Echo(http);
        }

        await EngineProblems.WriteAsync(http, error).ConfigureAwait(false);
    }

    private static string Correlation(HttpContext http) => http.RequestServices.GetService<CorrelationContext>()?.Id ?? "";

    private static void AddHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
