using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Engine.Web;

namespace Sanpool.Engine.Security;

/// <summary>
/// The engine's own certificate authority, made at its first start as oVirt's engine-setup
/// makes one, unless the config names a certificate (<see cref="LoadConfiguredAsync"/>). In
/// data_dir/pki (mode 0700):
/// <code>
/// ca.pem       the CA: ECDSA P-256, 10 years, CA:TRUE pathlen 0, keyCertSign+cRLSign; clients trust this
/// ca.key       its private key (0600): it signs the next server certificate
/// server.pem   the server's: ECDSA P-256, 2 years (never past the CA), serverAuth, SANs localhost,
///              127.0.0.1, ::1 and this machine's host name
/// server.key   its private key (0600)
/// </code>
/// Later starts reuse all four. The server certificate is made again, by the same CA, when it
/// has fewer than <see cref="RenewBefore"/> left, does not chain to ca.pem, or is missing. A CA
/// without its key is an error rather than a reason to make a new CA: clients trust the old one.
/// Each file is written beside its place and renamed over it, so a crash leaves old or new.
/// </summary>
public static class EngineCertificateAuthority
{
    public const string CaFile = "ca.pem";
    public const string CaKeyFile = "ca.key";
    public const string ServerFile = "server.pem";
    public const string ServerKeyFile = "server.key";

    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private const int CaYears = 10;
    private const int ServerYears = 2;
    private const UnixFileMode Secret = PrivateFiles.OwnerReadWrite;
    private const UnixFileMode Public = PrivateFiles.WorldReadable;

    /// <summary>"Not before" is set this far back, for clients whose clock is a little behind.</summary>
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    /// <summary>The CA and server certificate in <paramref name="pkiDir"/>, made or renewed as needed.</summary>
    public static async Task<EngineCertificates> LoadOrCreateAsync(string pkiDir, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pkiDir);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        PrivateFiles.CreateDirectory(pkiDir);
        string host = Dns.GetHostName();
        var now = time.GetUtcNow();
        using var ca = await LoadOrCreateCaAsync(pkiDir, host, now, logger, cancellationToken).ConfigureAwait(false);
        var server = await TryLoadServerAsync(pkiDir, ca, now, logger, cancellationToken).ConfigureAwait(false);
        if (server is null)
        {
            server = MakeServer(ca, host, now);
            using var key = server.GetECDsaPrivateKey()!;
            await WriteAsync(Path.Combine(pkiDir, ServerKeyFile), key.ExportPkcs8PrivateKeyPem(), Secret, cancellationToken).ConfigureAwait(false);
            await WriteAsync(Path.Combine(pkiDir, ServerFile), server.ExportCertificatePem(), Public, cancellationToken).ConfigureAwait(false);
            SecurityLog.ServerCertificateMade(logger, server.Subject, server.NotAfter, server.Thumbprint);
        }

        // The CA goes out without its key: only renewal needs that, and it reads the file.
        return new EngineCertificates(server, X509CertificateLoader.LoadCertificate(ca.RawData));
    }

    /// <summary>The certificate and key the config names; the CA served is the chain's last certificate, or the certificate itself when self-signed.</summary>
    public static async Task<EngineCertificates> LoadConfiguredAsync(EngineTlsConfig tls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tls);
        try
        {
            string certificates = await File.ReadAllTextAsync(tls.Certificate, cancellationToken).ConfigureAwait(false);
            string key = await File.ReadAllTextAsync(tls.Key, cancellationToken).ConfigureAwait(false);
            var server = X509Certificate2.CreateFromPem(certificates, key);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(certificates);
            X509Certificate2? authority = chain.Count > 1 ? chain[^1]
                : IsSelfSigned(server) ? X509CertificateLoader.LoadCertificate(server.RawData)
                : null;
            foreach (var other in chain.Where(c => !ReferenceEquals(c, authority)))
            {
                other.Dispose();
            }

            return new EngineCertificates(server, authority);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SanpoolException(WebErrors.CertificateError, $"tls: cannot load {tls.Certificate} with {tls.Key}: {e.Message}", innerException: e);
        }
    }

    /// <summary>True if <paramref name="certificate"/> chains to <paramref name="authority"/> alone, at <paramref name="when"/>.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority, DateTimeOffset when)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = when.UtcDateTime;
        return chain.Build(certificate);
    }

    private static async Task<X509Certificate2> LoadOrCreateCaAsync(string pkiDir, string host, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        string certPath = Path.Combine(pkiDir, CaFile);
        string keyPath = Path.Combine(pkiDir, CaKeyFile);
        if (File.Exists(certPath) || File.Exists(keyPath))
        {
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                throw new SanpoolException(WebErrors.CertificateError,
                    $"{pkiDir} holds only one of {CaFile} and {CaKeyFile}; clients may trust that CA, so the engine does not replace it: restore the other, or remove both to make a new CA");
            }

            string caPem = await File.ReadAllTextAsync(certPath, cancellationToken).ConfigureAwait(false);
            string caKeyPem = await File.ReadAllTextAsync(keyPath, cancellationToken).ConfigureAwait(false);
            try
            {
                return X509Certificate2.CreateFromPem(caPem, caKeyPem);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new SanpoolException(WebErrors.CertificateError, $"cannot load the engine's CA from {certPath} and {keyPath}: {e.Message}", innerException: e);
            }
        }

        var ca = MakeCa(host, now);
        using (var key = ca.GetECDsaPrivateKey()!)
        {
            await WriteAsync(keyPath, key.ExportPkcs8PrivateKeyPem(), Secret, cancellationToken).ConfigureAwait(false);
        }

        await WriteAsync(certPath, ca.ExportCertificatePem(), Public, cancellationToken).ConfigureAwait(false);
        SecurityLog.CaMade(logger, ca.Subject, ca.NotAfter, ca.Thumbprint, certPath);
        return ca;
    }

    private static async Task<X509Certificate2?> TryLoadServerAsync(string pkiDir, X509Certificate2 ca, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        string certPath = Path.Combine(pkiDir, ServerFile);
        string keyPath = Path.Combine(pkiDir, ServerKeyFile);
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            return null;
        }

        string serverPem = await File.ReadAllTextAsync(certPath, cancellationToken).ConfigureAwait(false);
        string serverKeyPem = await File.ReadAllTextAsync(keyPath, cancellationToken).ConfigureAwait(false);
        X509Certificate2 server;
        try
        {
            server = X509Certificate2.CreateFromPem(serverPem, serverKeyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            SecurityLog.ServerCertificateReplaced(logger, certPath, $"unreadable ({e.Message})");
            return null;
        }

        string? why = new DateTimeOffset(server.NotAfter.ToUniversalTime()) - now < RenewBefore ? $"it expires {server.NotAfter:u}"
            : !ChainsTo(server, ca, now) ? $"it does not chain to {CaFile}"
            : null;
        if (why is not null)
        {
            SecurityLog.ServerCertificateReplaced(logger, certPath, why);
            server.Dispose();
            return null;
        }

        PrivateFiles.RestrictToOwner(keyPath);
        return server;
    }

    private static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static X509Certificate2 MakeCa(string host, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name($"sanpool-engine CA ({host})"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now - Backdate, now.AddYears(CaYears));
    }

    private static X509Certificate2 MakeServer(X509Certificate2 ca, string host, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name(host), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        request.CertificateExtensions.Add(SubjectAlternativeNames(host));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notAfter = now.AddYears(ServerYears);
        var caEnd = new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        using var issued = request.Create(ca, now - Backdate, notAfter < caEnd ? notAfter : caEnd, SerialNumber());
        return issued.CopyWithPrivateKey(key);
    }

    private static X509Extension SubjectAlternativeNames(string host)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (!string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) && Uri.CheckHostName(host) == UriHostNameType.Dns)
        {
            names.AddDnsName(host);
        }

        return names.Build();
    }

    private static X500DistinguishedName Name(string commonName)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName("Sanpool");
        name.AddCommonName(commonName);
        return name.Build();
    }

    /// <summary>16 random bytes with the top bit clear: a positive serial, as RFC 5280 asks.</summary>
    private static byte[] SerialNumber()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }

    private static async Task WriteAsync(string path, string pem, UnixFileMode mode, CancellationToken cancellationToken)
    {
        string temporary = path + ".new";
        File.Delete(temporary);
        await using (var file = new FileStream(temporary, PrivateFiles.CreateNew(mode)))
        {
            await file.WriteAsync(Encoding.ASCII.GetBytes(pem + "\n"), cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
