using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Core;
using Sanpool.Api.Binding;

namespace Sanpool.Api.Client;

/// <summary>
/// Calls an agent's API: <c>POST /v1/{verb}</c> with the arguments as a JSON object of strings.
/// <see cref="CallAsync{TRequest, TReply}"/> sends a verb of <see cref="AgentVerbs"/> with its
/// request record and reads its reply record; <see cref="InvokeAsync"/> is the untyped form
/// (any verb name, string arguments, the JSON answer as it came).
/// An error answer comes back as the <see cref="SanpoolException"/> the agent threw, with the
/// same code, name, message and transience; a failure to talk to the agent is one of
/// <see cref="AgentErrors"/>: AGENT_UNREACHABLE (nothing listens; transient), AGENT_TIMEOUT
/// (no answer in time; transient), AGENT_PROTOCOL (the answer is not the API's).
/// </summary>
public sealed class AgentClient : IDisposable
{
    /// <summary>The server's default request timeout and half a minute for the way there and back.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2.5);

    private const int MaxResponseBytes = 16 * 1024 * 1024;
    private const int ExpectContinueAbove = 64 * 1024;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    private AgentClient(HttpClient http, string target, TimeSpan timeout)
    {
        _http = http;
        _timeout = timeout;
        Target = target;
    }

    /// <summary>The agent called: its socket path or base URL.</summary>
    public string Target { get; }

    /// <summary>
    /// A client of the agent at <paramref name="target"/>: a unix socket path, or an http(s)://
    /// URL of its TCP endpoint. The <paramref name="token"/> is sent as <c>Authorization: Bearer</c>;
    /// over plain http it crosses the network in the clear.
    /// </summary>
    public static AgentClient Create(string target, string? token, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (token is not null && (token.Length == 0 || token.Any(c => c is < '!' or > '~')))
        {
            throw CommonErrors.Invalid("the bearer token must be printable ASCII without spaces");
        }

        var handler = new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false };
        Uri baseAddress;
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            baseAddress = Uri.TryCreate(target.TrimEnd('/') + "/", UriKind.Absolute, out var url) && url.Query.Length == 0
                ? url
                : throw CommonErrors.Invalid($"'{VerbArgs.Printable(target)}' is not an agent URL (http://HOST:PORT)");
        }
        else if (target.Contains("://", StringComparison.Ordinal))
        {
            throw CommonErrors.Invalid($"'{VerbArgs.Printable(target)}' is neither a socket path nor an http(s) URL");
        }
        else
        {
            target = Path.GetFullPath(target);
            handler.ConnectCallback = UnixSocketConnector(target);
            baseAddress = new Uri("http://localhost/");
        }

        var http = new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan, // ours, below: a timeout is AGENT_TIMEOUT, not a cancellation
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return new AgentClient(http, target, timeout ?? DefaultTimeout);
    }

    /// <summary>Runs <paramref name="verb"/> on the agent with <paramref name="request"/> and reads its reply.</summary>
    /// <exception cref="SanpoolException">The agent's error, or AGENT_UNREACHABLE, AGENT_TIMEOUT, AGENT_PROTOCOL (also for a reply that is not a <typeparamref name="TReply"/>).</exception>
    public async Task<TReply> CallAsync<TRequest, TReply>(AgentVerb<TRequest, TReply> verb, TRequest request, CancellationToken cancellationToken)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(verb);
        var answer = await InvokeAsync(verb.Name, ApiJson.Arguments(request), cancellationToken).ConfigureAwait(false);
        return AgentReply.As<TReply>(answer, Target, verb.Name);
    }

    /// <summary>Runs <paramref name="verb"/> on the agent and returns its JSON answer.</summary>
    /// <exception cref="SanpoolException">The agent's error, or AGENT_UNREACHABLE, AGENT_TIMEOUT, AGENT_PROTOCOL.</exception>
    public async Task<JsonNode> InvokeAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verb);
        ArgumentNullException.ThrowIfNull(args);
        byte[] body = Body(args);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/" + Uri.EscapeDataString(verb), UriKind.Relative))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };

        // A body the agent may refuse as too large waits for "100 Continue": a 413 then comes
        // back before the body is sent, instead of a broken pipe while sending it.
        request.Headers.ExpectContinue = body.Length > ExpectContinueAbove;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            byte[] answer = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? AgentReply.Result(answer, Target, verb)
                : throw AgentReply.Error((int)response.StatusCode, answer, Target, verb);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SanpoolException(AgentErrors.Timeout, $"the agent at {Target} did not answer {verb} within {_timeout.TotalSeconds:0} s", true, e);
        }
        catch (HttpRequestException e)
        {
            throw AgentReply.Failed(e, Target, verb);
        }
    }

    public void Dispose() => _http.Dispose();

    private static byte[] Body(IReadOnlyDictionary<string, string> args)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in args)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects to the unix socket at <paramref name="path"/>.</summary>
    internal static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> UnixSocketConnector(string path)
    {
        var endpoint = new UnixDomainSocketEndPoint(path);
        return async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }
}
