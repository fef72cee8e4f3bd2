using Sanpool.Api.Binding;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Sanpool.Core;
using Sanpool.Api;
using Sanpool.Api.Client;

namespace Sanpool.Agent.Api;

/// <summary>
/// What every verb's endpoint shares: reading the arguments of a request (POST: a JSON object
/// body, <see cref="RequestArguments"/>; GET, for a read-only verb: the query), running the
/// verb within the request timeout, and the answer for a path under <c>/v1/</c> that no verb
/// endpoint took (an unknown verb, or a method the verb does not take). Errors are thrown as
/// <see cref="SanpoolException"/>s for <see cref="RequestBarrier"/> to answer.
/// </summary>
internal sealed class VerbDispatcher(VerbTable verbs, AgentApiOptions options, ILogger logger)
{
    /// <summary>A path under /v1/ that no verb endpoint took: a name too long, a verb unknown, or a method it does not take.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public IResult NoVerb(HttpContext http, string verb)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (verb.Length > options.MaxVerbLength)
        {
            throw new SanpoolException(AgentErrors.BadRequest, $"the verb name is {verb.Length} characters long; at most {options.MaxVerbLength} are taken");
        }

        if (!verbs.TryGet(verb, out var known))
        {
            throw new SanpoolException(AgentErrors.UnknownVerb,
                $"no verb '{VerbArgs.Printable(verb)}'; this agent knows {string.Join(", ", verbs.Names.Order(StringComparer.Ordinal))}");
        }

        throw MethodNotAllowed(http, known.Verb);
    }

    public async Task<Dictionary<string, string>> ReadArgumentsAsync(HttpContext http, AgentVerb verb)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(verb);
        var request = http.Request;
        string path = request.Path.Value ?? "";
        if (!path.EndsWith("/" + verb.Name, StringComparison.Ordinal))
        {
            // Routing matches literal paths in any case; verb names are exact (/v1/STATUS is no verb).
            NoVerb(http, path[(path.LastIndexOf('/') + 1)..]);
        }

        if (HttpMethods.IsPost(request.Method))
        {
            if (request.QueryString.HasValue)
            {
                throw new SanpoolException(AgentErrors.BadRequest, $"POST /v1/{verb.Name} takes its arguments in the body, not the query");
            }

            return RequestArguments.FromJson(await ReadBodyAsync(request).ConfigureAwait(false), options);
        }

        return HttpMethods.IsGet(request.Method) && verb.ReadOnly
            ? RequestArguments.FromQuery(request.Query, options)
            : throw MethodNotAllowed(http, verb);
    }

    /// <summary>Runs a verb within the request timeout; the answer goes out on time even if the verb ignores its token.</summary>
    public async Task<T> RunAsync<T>(string verb, Func<CancellationToken, Task<T>> run, CancellationToken aborted)
    {
        ArgumentNullException.ThrowIfNull(run);
        using var timeout = new CancellationTokenSource(options.RequestTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token);
        try
        {
            return await run(linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            ApiLog.TimedOut(logger, options.HostName, verb, options.RequestTimeout);
            throw new SanpoolException(AgentErrors.Timeout,
                $"{verb} did not answer within {options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", isTransient: true);
        }
    }

    private static SanpoolException MethodNotAllowed(HttpContext http, AgentVerb verb)
    {
        string allowed = verb.ReadOnly ? "GET, POST" : "POST";
        http.Response.Headers.Allow = allowed;
        return new SanpoolException(AgentErrors.MethodNotAllowed, $"{VerbArgs.Printable(http.Request.Method)} /v1/{verb.Name}: use {allowed}");
    }

    private async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > options.MaxBodyBytes)
        {
            throw TooLarge($"{request.ContentLength} bytes");
        }

        if (request.ContentType is { } type && !IsJson(type))
        {
            throw new SanpoolException(AgentErrors.UnsupportedMediaType, $"the body is '{VerbArgs.Printable(type)}'; the API takes application/json (UTF-8)");
        }

        // One byte more than the limit, to tell "exactly the limit" from "more".
        var buffer = new byte[(int)Math.Min(request.ContentLength ?? options.MaxBodyBytes, options.MaxBodyBytes) + 1];
        int length = 0;
        int read;
        while (length < buffer.Length
            && (read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return length > options.MaxBodyBytes ? throw TooLarge($"over {options.MaxBodyBytes} bytes") : buffer[..length];
    }

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.Type.Equals("application", StringComparison.OrdinalIgnoreCase) && media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private SanpoolException TooLarge(string size) =>
        new(AgentErrors.RequestTooLarge, $"the body is {size}; at most {options.MaxBodyBytes} are taken");
}
