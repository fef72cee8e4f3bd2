using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Core;
using Sanpool.Engine.Web;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.EngineApi;

/// <summary>
/// A client of sanpool-engine's REST API. Answers come back as the engine wrote them
/// (<see cref="JsonNode"/>, for --json) and are read into the engine's own DTO records with
/// <see cref="As{T}"/>; each collection is an <see cref="EngineResources{T}"/>, so a new one (vms) is a
/// line here. An error answer becomes the <see cref="SanpoolException"/> of its problem document,
/// the engine's code and detail unchanged; a failure to talk to the engine is one of
/// <see cref="EngineClientErrors"/>, said in words a user can act on (is it running, which CA).
/// </summary>
public sealed class EngineClient : IAsyncDisposable
{
    /// <summary>The name of the tokens this client asks for (the engine lists it with the token).</summary>
    public const string TokenName = "sanpool-cli";

    private const string LoginHint = "log in with --user NAME and --password-file FILE, or --token TOKEN";
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient _http;
    private readonly EngineClientSettings _settings;
    private readonly EngineTrust? _trust;
    private readonly SemaphoreSlim _login = new(1, 1);
    private AuthenticationHeaderValue? _authorization;
    private bool _ownsToken;

    private EngineClient(HttpClient http, EngineClientSettings settings, EngineTrust? trust)
    {
        _http = http;
        _settings = settings;
        _trust = trust;
        if (settings.Token is { } token)
        {
            _authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The engine's address as given.</summary>
    public string Target => _settings.Url;

    public EngineResources<HostDto> Hosts => new(this, "hosts", "host");

    public EngineResources<DataCenterDto> DataCenters => new(this, "datacenters", "data center");

    public EngineResources<StorageDomainDto> StorageDomains => new(this, "storagedomains", "storage domain");

    public EngineResources<DiskDto> Disks => new(this, "disks", "disk");

    public EngineResources<JobDto> Jobs => new(this, "jobs", "job");

    public EngineResources<VmDto> Vms => new(this, "vms", "VM");

    public EngineResources<TemplateDto> Templates => new(this, "templates", "template");

    /// <summary>A client of the engine at <paramref name="settings"/>' URL; nothing is sent until the first call.</summary>
    /// <exception cref="UsageException">A URL that is none of https://, http://, unix:/PATH, a token that cannot be a header, an unreadable --ca-file.</exception>
    public static EngineClient Create(EngineClientSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Token is { } token && (token.Length == 0 || token.Any(c => c is < '!' or > '~')))
        {
            throw new UsageException("a bearer token is printable ASCII without spaces");
        }

        var (baseAddress, socket) = Parse(settings.Url);
        EngineTrust? trust = null;
        HttpMessageHandler handler;
        if (settings.Handler is { } given)
        {
            handler = given;
        }
        else
        {
            var sockets = new SocketsHttpHandler { UseProxy = false, UseCookies = false, AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(15) };
            if (socket is not null)
            {
                sockets.ConnectCallback = EngineSocket.Connector(socket);
            }
            else if (baseAddress.Scheme == Uri.UriSchemeHttps)
            {
                trust = EngineTrust.For(baseAddress, settings);
                var verdict = trust;
                sockets.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                    verdict.Validate(certificate as System.Security.Cryptography.X509Certificates.X509Certificate2, chain, errors);
            }

            handler = sockets;
        }

        var http = new HttpClient(handler, disposeHandler: settings.Handler is null) { BaseAddress = baseAddress, Timeout = settings.Timeout };
        return new EngineClient(http, settings, trust);
    }

    /// <summary>The engine's JSON answer to GET <paramref name="path"/> (relative to the engine's URL: "api/hosts").</summary>
    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineClientErrors.Protocol, $"the engine at {Target} answered GET {path} with no body");

    /// <summary>Sends <paramref name="body"/> (as JSON, if any) and returns the engine's JSON answer (null for 204).</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        await LoginAsync(cancellationToken).ConfigureAwait(false);
        return await ExchangeAsync(method, path, body, _authorization, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The items of a list: one page if <paramref name="page"/> is given, else every page, following
    /// each page's <c>next</c> link. <paramref name="query"/> is added to the first request ("from=12").
    /// </summary>
    public async Task<JsonArray> ListAsync(string path, int? max, int? page, string? query, CancellationToken cancellationToken)
    {
        var parameters = new List<string>();
        if (query is not null)
        {
            parameters.Add(query);
        }

        if (max is { } m)
        {
            parameters.Add(FormattableString.Invariant($"max={m}"));
        }

        if (page is { } p)
        {
            parameters.Add(FormattableString.Invariant($"page={p}"));
        }

        string? next = parameters.Count == 0 ? path : $"{path}?{string.Join('&', parameters)}";
        var items = new JsonArray();
        while (next is not null)
        {
            var answer = await GetAsync(next, cancellationToken).ConfigureAwait(false);
            if (answer["items"] is not JsonArray pageItems)
            {
                throw new SanpoolException(EngineClientErrors.Protocol, $"the engine at {Target} answered GET {next} without \"items\"");
            }

            foreach (var item in pageItems.ToList())
            {
                pageItems.Remove(item);
                items.Add(item);
            }

            // "next" is the path from the server's root ("/api/hosts?max=100&page=2"): made relative to its URL's path base.
            next = page is null && answer["next"] is JsonValue link && link.TryGetValue(out string? href) ? RelativeToBase(href) : null;
        }

        return items;
    }

    /// <summary>Reads the engine's JSON into one of its DTO records.</summary>
    public T As<T>(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        try
        {
            return node.Deserialize<T>(EngineJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new SanpoolException(EngineClientErrors.Protocol, $"the engine at {Target} sent a {typeof(T).Name} this client cannot read: {e.Message}");
        }
    }

    /// <summary>
    /// A new token for <see cref="EngineClientSettings.User"/>, labelled <paramref name="name"/>,
    /// that outlives this client (it is not revoked at dispose): what <c>sanpool engine login</c> hands to scripts.
    /// </summary>
    public async Task<TokenResponse> IssueTokenAsync(string name, CancellationToken cancellationToken)
    {
        var body = new TokenRequest(_settings.User ?? throw new UsageException("give --user NAME (and its password) to get a token"), _settings.Password ?? "", Name: name);
        var answer = await ExchangeAsync(HttpMethod.Post, "api/sso/token", body, null, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineClientErrors.Protocol, $"the engine at {Target} answered the token request with no body");
        return As<TokenResponse>(answer);
    }

    /// <summary>Revokes the token this client logged in for (not one it was given).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsToken)
        {
            _ownsToken = false;
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                _ = await ExchangeAsync(HttpMethod.Delete, "api/tokens/current", null, _authorization, quick.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SanpoolException or OperationCanceledException)
            {
                // The token expires by itself (token_lifetime_seconds); a failed revoke is no reason to fail the command.
            }
        }

        _http.Dispose();
        _login.Dispose();
    }

    /// <summary>Trades --user and --password for a token once, before the first call that needs a login.</summary>
    private async Task LoginAsync(CancellationToken cancellationToken)
    {
        if (_authorization is not null || _settings.User is null)
        {
            return;
        }

        await _login.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_authorization is not null)
            {
                return;
            }

            var body = new TokenRequest(_settings.User, _settings.Password ?? "", Name: TokenName);
            var answer = await ExchangeAsync(HttpMethod.Post, "api/sso/token", body, null, cancellationToken).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, $"the engine at {Target} answered the token request with no body");
            var token = As<TokenResponse>(answer);
            _authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
            _ownsToken = true;
        }
        finally
        {
            _login.Release();
        }
    }

    private async Task<JsonNode?> ExchangeAsync(HttpMethod method, string path, object? body, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = authorization;
            if (body is not null)
            {
                request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, EngineJson.Options)) { Headers = { ContentType = JsonType } };
            }

            try
            {
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return response.IsSuccessStatusCode ? Parse(text, method, path) : throw Problem(response, text, method, path);
            }
            catch (HttpRequestException e) when (IsCertificateFailure(e) && attempt == 0 && _trust is { CanLearn: true })
            {
                await LearnCaAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SanpoolException(EngineClientErrors.Timeout, $"the engine at {Target} did not answer {method} /{path} within {_settings.Timeout.TotalSeconds:0} s", true, e);
            }
        }
    }

    /// <summary>
    /// Trust on first use: the engine's certificate chains to no CA this machine knows and none is
    /// saved for it, so take the CA it serves at /api/ca.pem, fetched without verifying (there is
    /// nothing to verify it with yet). The retry then checks that the engine's certificate chains to
    /// it, and only then is it saved, with its fingerprint said once for the user to compare.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Security", "CA5359", Justification = "Trust on first use: the CA is fetched before anything can verify it; the retry then verifies the engine's certificate against it, and only then is it saved.")]
    private async Task LearnCaAsync(CancellationToken cancellationToken)
    {
        using var blind = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(15) };
        blind.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var fetch = new HttpClient(blind) { BaseAddress = _http.BaseAddress, Timeout = _settings.Timeout };
        string pem;
        try
        {
            using var response = await fetch.GetAsync(new Uri("api/ca.pem", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            pem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Problem(response, pem, HttpMethod.Get, "api/ca.pem");
            }
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2 ca;
        try
        {
            ca = _trust!.Learn(pem, $"the CA the engine serves at {Target}/api/ca.pem");
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new SanpoolException(EngineClientErrors.Certificate, $"the engine at {Target} serves no CA certificate at /api/ca.pem: {e.Message}");
        }

        _trust.Save();
        var notices = _settings.Notices ?? Console.Error;
        await notices.WriteLineAsync(
            $"sanpool: trusting the engine's CA on first use: {ca.Subject}, SHA-256 {EngineTrust.Fingerprint(ca)}; saved in {_trust.SavedPath} " +
            "(compare with the engine's data_dir/pki/ca.pem; --ca-file FILE gives the CA yourself)").ConfigureAwait(false);
    }

    private JsonNode? Parse(string text, HttpMethod method, string path)
    {
        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new SanpoolException(EngineClientErrors.Protocol, $"the engine at {Target} answered {method} /{path} with something that is not JSON: {Shorten(text)}");
        }
    }

    /// <summary>The problem document as the engine's own error; 401 with what to do about it.</summary>
    private SanpoolException Problem(HttpResponseMessage response, string text, HttpMethod method, string path)
    {
        JsonNode? problem = null;
        try
        {
            problem = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (JsonException)
        {
            // Not a problem document: said below.
        }

        if (problem is JsonObject o && o["error"] is JsonValue name && name.TryGetValue(out string? error) && o["code"] is JsonValue number && number.TryGetValue(out int code))
        {
            string detail = o["detail"] is JsonValue d && d.TryGetValue(out string? s) ? s : error;
            bool transient = o["transient"] is JsonValue t && t.TryGetValue(out bool b) && b;
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                detail = _settings.User is null && _settings.Token is null
                    ? $"the engine at {Target} wants a login: {LoginHint}"
                    : $"the engine at {Target} refused the login: {detail}";
            }

            return new SanpoolException(new ErrorCode(code, error), detail, transient);
        }

        return new SanpoolException(
            EngineClientErrors.Protocol,
            $"the engine at {Target} answered {method} /{path} with HTTP {(int)response.StatusCode} {response.ReasonPhrase} and no problem document" +
            (text.Length > 0 ? $": {Shorten(text)}" : "") + " (is this URL the engine's?)");
    }

    private SanpoolException Unreachable(HttpRequestException e)
    {
        if (IsCertificateFailure(e))
        {
            string why = _trust?.LastFailure ?? e.InnerException?.Message ?? e.Message;
            string what = _trust?.SavedPath is { } saved && File.Exists(saved)
                ? $"; if the engine was set up anew, remove {saved} to trust its new CA"
                : _settings.CaFile is { } file ? $"; is {file} the engine's CA (its data_dir/pki/ca.pem)?" : "; give its CA with --ca-file FILE (the engine's data_dir/pki/ca.pem)";
            return new SanpoolException(EngineClientErrors.Certificate, $"the engine at {Target} is not trusted: {why}{what}", false, e);
        }

        var socketError = (e.InnerException as SocketException)?.SocketErrorCode;
        string message = socketError switch
        {
            SocketError.ConnectionRefused when Socket() is { } path => $"nothing answers on the engine socket {path} (connection refused): is the engine running?",
            SocketError.ConnectionRefused => $"nothing listens at {Target} (connection refused): is the engine running ('sanpool engine run --config FILE'), and is this its \"listen\"?",
            SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when Socket() is { } path => $"no engine socket at {path}: is the engine running with \"listen\": \"unix:{path}\"?",
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"cannot resolve the host of {Target}: {e.InnerException!.Message}",
            _ when e.HttpRequestError == HttpRequestError.NameResolutionError => $"cannot resolve the host of {Target}: {e.Message}",
            _ => $"cannot talk to the engine at {Target}: {e.InnerException?.Message ?? e.Message}",
        };
        return new SanpoolException(EngineClientErrors.Unreachable, message, true, e);
    }

    private string? Socket() => _settings.Url.StartsWith(EngineSocket.Prefix, StringComparison.Ordinal) ? _settings.Url[EngineSocket.Prefix.Length..] : null;

    private static bool IsCertificateFailure(HttpRequestException e) =>
        e.InnerException is AuthenticationException;

    private string RelativeToBase(string href)
    {
        string basePath = _http.BaseAddress!.AbsolutePath;
        return href.StartsWith(basePath, StringComparison.Ordinal) ? href[basePath.Length..] : href.TrimStart('/');
    }

    private static (Uri BaseAddress, string? Socket) Parse(string url)
    {
        if (url.StartsWith(EngineSocket.Prefix, StringComparison.Ordinal))
        {
            string path = url[EngineSocket.Prefix.Length..];
            return Path.IsPathFullyQualified(path)
                ? (new Uri("http://localhost/"), path)
                : throw new UsageException($"--engine {url}: a unix socket needs an absolute path (unix:/run/sanpool/engine.sock)");
        }

        return Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Query.Length == 0 && uri.UserInfo.Length == 0
            ? (uri, null)
            : throw new UsageException($"--engine {url}: give https://HOST:PORT, http://HOST:PORT or unix:/PATH (the engine config's \"listen\")");
    }

    private static string Shorten(string text)
    {
        string flat = new([.. text.Take(200).Select(c => char.IsControl(c) ? ' ' : c)]);
        return text.Length > 200 ? flat + "..." : flat;
    }
}
