using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>
/// Reads <c>Correlation-Id</c>: one header of 1-50 printable ASCII characters (no spaces), or
/// none, and then the engine makes one (a UUID). Either way the response carries it, set before
/// anything else happens so that refusals (401, 413, a bad id itself) carry it too. A bad id is
/// BAD_CORRELATION_ID (400), answered under a fresh id.
/// </summary>
internal static class CorrelationIdMiddleware
{
    public const int MaxLength = 50;

    public static Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(next);
        var context = http.RequestServices.GetRequiredService<CorrelationContext>();
        var sent = http.Request.Headers[CorrelationContext.HeaderName];
        string? problem = sent.Count switch
        {
            0 => null,
            > 1 => "send one Correlation-Id header",
            _ => Problem(sent[0] ?? ""),
        };
        bool generate = sent.Count == 0 || problem is not null;
        context.Id = generate ? Guid.NewGuid().ToString() : sent[0]!;
        context.Generated = generate;
        Echo(http);
        if (problem is not null)
        {
            throw new SanpoolException(WebErrors.BadCorrelationId, problem);
        }

        return next(http);
    }

    /// <summary>Sets the response's Correlation-Id (again, after a response was cleared).</summary>
    public static void Echo(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var context = http.RequestServices.GetService<CorrelationContext>();
        if (context is { Id.Length: > 0 })
        {
            http.Response.Headers[CorrelationContext.HeaderName] = context.Id;
        }
    }

    private static string? Problem(string id) =>
        id.Length is 0 or > MaxLength ? $"a Correlation-Id has 1-{MaxLength} characters; this one has {id.Length}"
        : id.Any(c => c is < '!' or > '~') ? "a Correlation-Id is printable ASCII without spaces"
        : null;
}
