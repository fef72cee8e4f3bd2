namespace Sanpool.Engine;

/// <summary>
/// The optional <c>tls</c> key of the engine config: a certificate the engine serves instead
/// of the one its own CA makes. Both are PEM files; <see cref="Certificate"/> may hold the
/// chain after the server's certificate, its last one then being what <c>/api/ca.pem</c> serves.
/// </summary>
public sealed record EngineTlsConfig
{
    public string Certificate { get; init; } = "";

    public string Key { get; init; } = "";
}
