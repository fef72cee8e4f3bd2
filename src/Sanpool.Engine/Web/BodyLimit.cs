using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>
/// max_body_bytes for every request: a Content-Length above it is BODY_TOO_LARGE (413) before
/// anything reads the body, and a chunked body is cut off at it by the server (the barrier
/// turns that into the same error). Kestrel's own limit is set higher (EngineApp), so that it
/// can still drain a refused body and the client reads the 413 rather than a reset.
/// </summary>
internal sealed class BodyLimit(long maxBytes)
{
    public Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        if (http.Request.ContentLength is long length && length > maxBytes)
        {
            throw TooLarge(length, maxBytes);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        return next(http);
    }

    public static SanpoolException TooLarge(long? length, long maxBytes) =>
        new(WebErrors.BodyTooLarge, length is null
            ? $"the request body is larger than the engine takes ({maxBytes} bytes, max_body_bytes)"
            : $"the request body is {length} bytes; the engine takes at most {maxBytes} (max_body_bytes)");
}
