using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Sanpool.Core;
using Sanpool.Pool;

namespace Sanpool.Agent.Api;

/// <summary>
/// One request to <c>/v1/{verb}</c>: checks the verb's name and method, reads its arguments
/// (<see cref="RequestArguments"/>), and runs it within the request timeout. Errors are thrown
/// as <see cref="SanpoolException"/>s for <see cref="RequestBarrier"/> to answer.
/// </summary>
internal sealed class VerbDispatcher(IAgentVerbs verbs, AgentApiOptions options, ILogger logger)
{
    /// <summary>The verbs a GET may run: they only read. Every other verb is POST only.</summary>
    public static readonly FrozenSet<string> ReadOnlyVerbs =
        new[] { "status", "pool.info", "domain.info", "spm.status", "task.list", "task.status" }.ToFrozenSet(StringComparer.Ordinal);

    public async Task<IResult> HandleAsync(HttpContext http, string verb)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (verb.Length > options.MaxVerbLength)
        {
            throw new SanpoolException(AgentErrors.BadRequest, $"the verb name is {verb.Length} characters long; at most {options.MaxVerbLength} are taken");
        }

        if (!verbs.Verbs.Contains(verb))
        {
            throw new SanpoolException(AgentErrors.UnknownVerb,
                $"no verb '{VerbArgs.Printable(verb)}'; this agent knows {string.Join(", ", verbs.Verbs.Order(StringComparer.Ordinal))}");
        }

        var args = await ReadArgumentsAsync(http, verb).ConfigureAwait(false);
        var result = await InvokeAsync(verb, args, http.RequestAborted).ConfigureAwait(false);
        return TypedResults.Text(result?.ToJsonString() ?? "null", "application/json", Encoding.UTF8);
    }

    private async Task<Dictionary<string, string>> ReadArgumentsAsync(HttpContext http, string verb)
    {
        var request = http.Request;
        bool readOnly = ReadOnlyVerbs.Contains(verb);
        if (HttpMethods.IsPost(request.Method))
        {
            if (request.QueryString.HasValue)
            {
                throw new SanpoolException(AgentErrors.BadRequest, $"POST /v1/{verb} takes its arguments in the body, not the query");
            }

            return RequestArguments.FromJson(await ReadBodyAsync(request).ConfigureAwait(false), options);
        }

        if (HttpMethods.IsGet(request.Method) && readOnly)
        {
            return RequestArguments.FromQuery(request.Query, options);
        }

        string allowed = readOnly ? "GET, POST" : "POST";
        http.Response.Headers.Allow = allowed;
        throw new SanpoolException(AgentErrors.MethodNotAllowed, $"{VerbArgs.Printable(request.Method)} /v1/{verb}: use {allowed}");
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

    private async Task<JsonNode> InvokeAsync(string verb, Dictionary<string, string> args, CancellationToken aborted)
    {
        using var timeout = new CancellationTokenSource(options.RequestTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token);
        try
        {
            // WaitAsync: the answer goes out on time even if the verb ignores its token.
            return await verbs.InvokeAsync(verb, args, linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            ApiLog.TimedOut(logger, options.HostName, verb, options.RequestTimeout);
            throw new SanpoolException(AgentErrors.Timeout,
                $"{verb} did not answer within {options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", isTransient: true);
        }
    }

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.Type.Equals("application", StringComparison.OrdinalIgnoreCase) && media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private SanpoolException TooLarge(string size) =>
        new(AgentErrors.RequestTooLarge, $"the body is {size}; at most {options.MaxBodyBytes} are taken");
}
