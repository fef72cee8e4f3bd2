using System.Security.Cryptography.X509Certificates;

namespace Sanpool.Engine.Security;

/// <summary>
/// What the engine serves TLS with: its server certificate (with the private key), and the CA
/// clients are to trust (served anonymously at <c>/api/ca.pem</c>), if it has one.
/// </summary>
public sealed class EngineCertificates : IDisposable
{
    public EngineCertificates(X509Certificate2 server, X509Certificate2? authority)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = server;
        Authority = authority;
    }

    /// <summary>The server's certificate, with its private key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The engine's CA (or the configured chain's last certificate); null when there is none to serve.</summary>
    public X509Certificate2? Authority { get; }

    /// <summary><see cref="Authority"/> in PEM, or null.</summary>
    public string? AuthorityPem => Authority is null ? null : Authority.ExportCertificatePem() + "\n";

    public void Dispose()
    {
        Server.Dispose();
        Authority?.Dispose();
    }
}
