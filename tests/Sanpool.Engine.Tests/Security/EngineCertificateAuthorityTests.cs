using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Engine.Security;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Security;

public sealed class EngineCertificateAuthorityTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_CA_and_server_certificate_are_made_once_and_reused_at_the_next_start()
    {
        using var dir = new TempDir("engine-pki");
        string pki = dir.File("pki");
        string caThumbprint, serverThumbprint;
        using (var first = await EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None))
        {
            caThumbprint = first.Authority!.Thumbprint;
            serverThumbprint = first.Server.Thumbprint;
            Assert.True(first.Server.HasPrivateKey);
            Assert.False(first.Authority.HasPrivateKey);
        }

        using var second = await EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None);
        Assert.Equal(caThumbprint, second.Authority!.Thumbprint);
        Assert.Equal(serverThumbprint, second.Server.Thumbprint);
        Assert.Equal(caThumbprint, X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(pki, "ca.pem"))).Thumbprint);
    }

    [Fact]
    public async Task The_server_certificate_chains_to_the_CA_for_server_auth_and_names_localhost_the_loopbacks_and_the_host()
    {
        using var dir = new TempDir("engine-pki");
        using var certificates = await EngineCertificateAuthority.LoadOrCreateAsync(dir.File("pki"), TimeProvider.System, NullLogger.Instance, None);
        var server = certificates.Server;
        var ca = certificates.Authority!;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(ca.Thumbprint, chain.ChainElements[^1].Certificate.Thumbprint);

        var names = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var dns = names.EnumerateDnsNames().ToList();
        var ips = names.EnumerateIPAddresses().ToList();
        Assert.Contains("localhost", dns);
        Assert.Contains(Dns.GetHostName(), dns);
        Assert.Contains(IPAddress.Loopback, ips);
        Assert.Contains(IPAddress.IPv6Loopback, ips);
        Assert.False(server.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        var constraints = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(ca.NotAfter - DateTime.Now > TimeSpan.FromDays(9 * 365));
        Assert.InRange((server.NotAfter - DateTime.Now).TotalDays, 700, 732);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Key_files_are_readable_by_their_owner_only()
    {
        using var dir = new TempDir("engine-pki");
        string pki = dir.File("pki");
        using var _ = await EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None);
        const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(pki, "server.key")));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(pki, "ca.key")));
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(pki) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherExecute));
    }

    [Fact]
    public async Task A_server_certificate_with_less_than_30_days_left_is_renewed_by_the_same_CA()
    {
        using var dir = new TempDir("engine-pki");
        string pki = dir.File("pki");
        string caThumbprint, serverThumbprint;
        using (var first = await EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None))
        {
            caThumbprint = first.Authority!.Thumbprint;
            serverThumbprint = first.Server.Thumbprint;
        }

        var later = new ShiftedTime(TimeSpan.FromDays((2 * 365) - 20));
        using var renewed = await EngineCertificateAuthority.LoadOrCreateAsync(pki, later, NullLogger.Instance, None);
        Assert.Equal(caThumbprint, renewed.Authority!.Thumbprint);
        Assert.NotEqual(serverThumbprint, renewed.Server.Thumbprint);
        Assert.True(EngineCertificateAuthority.ChainsTo(renewed.Server, renewed.Authority, later.GetUtcNow()));
        Assert.True(renewed.Server.NotAfter.ToUniversalTime() > later.GetUtcNow().UtcDateTime.AddDays(365));
    }

    [Fact]
    public async Task A_CA_without_its_key_is_refused_rather_than_replaced()
    {
        using var dir = new TempDir("engine-pki");
        string pki = dir.File("pki");
        using (await EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None))
        {
        }

        string before = await File.ReadAllTextAsync(Path.Combine(pki, "ca.pem"));
        File.Delete(Path.Combine(pki, "ca.key"));
        var e = await Assert.ThrowsAsync<SanpoolException>(() => EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None));
        Assert.Equal("CERTIFICATE_ERROR", e.Code.Name);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(pki, "ca.pem")));
    }

    [Fact]
    public async Task A_configured_certificate_is_served_with_its_chain_s_last_certificate_as_the_CA()
    {
        using var dir = new TempDir("engine-pki");
        string pki = dir.File("pki");
        using var made = await EngineCertificateAuthority.LoadOrCreateAsync(pki, TimeProvider.System, NullLogger.Instance, None);
        string chain = dir.File("chain.pem");
        await File.WriteAllTextAsync(chain, made.Server.ExportCertificatePem() + "\n" + made.Authority!.ExportCertificatePem() + "\n");
        string key = Path.Combine(pki, "server.key");

        using var configured = await EngineCertificateAuthority.LoadConfiguredAsync(new EngineTlsConfig { Certificate = chain, Key = key }, None);
        Assert.Equal(made.Server.Thumbprint, configured.Server.Thumbprint);
        Assert.True(configured.Server.HasPrivateKey);
        Assert.Equal(made.Authority.Thumbprint, configured.Authority!.Thumbprint);

        using var alone = await EngineCertificateAuthority.LoadConfiguredAsync(new EngineTlsConfig { Certificate = Path.Combine(pki, "server.pem"), Key = key }, None);
        Assert.Null(alone.Authority);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => EngineCertificateAuthority.LoadConfiguredAsync(
            new EngineTlsConfig { Certificate = chain, Key = Path.Combine(pki, "ca.key") }, None));
        Assert.Equal("CERTIFICATE_ERROR", e.Code.Name);
        Assert.Contains(chain, e.Message, StringComparison.Ordinal);
    }
}
