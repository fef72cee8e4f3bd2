namespace Sanpool.Cli.EngineApi;

/// <summary>
/// Where the engine is and how to log in to it, as <see cref="EngineClient.ConnectAsync"/> takes
/// them. <see cref="Url"/> is https://HOST:PORT (or with a path base), http://HOST:PORT (an engine
/// run with insecure_http), or unix:/PATH of its socket. The login is a bearer
/// <see cref="Token"/>, or <see cref="User"/> and <see cref="Password"/> traded once for a token
/// that is revoked again when the client is disposed; with neither, requests go without one (and
/// only /api/health and /api/ca.pem answer).
/// </summary>
public sealed record EngineClientSettings
{
    public required string Url { get; init; }

    public string? User { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    /// <summary>Trust only this CA (PEM) for the engine's certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>Accept any certificate: no protection against a man in the middle; only when asked for by name.</summary>
    public bool Insecure { get; init; }

    /// <summary>
    /// Where CAs fetched from engines are kept, one file per engine address (trust on first use, as
    /// ssh's known_hosts); null: <see cref="EngineTrust.DefaultDirectory"/>.
    /// </summary>
    public string? TrustDirectory { get; init; }

    /// <summary>How long one request may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Where notices go (a CA trusted on first use); stderr if null.</summary>
    public TextWriter? Notices { get; init; }

    /// <summary>
    /// A ready transport to the engine instead of one built from <see cref="Url"/> (the URL then
    /// only gives the base address): an in-process engine's test server, say.
    /// </summary>
    public HttpMessageHandler? Handler { get; init; }
}
