using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sanpool.Cli.EngineApi;

/// <summary>
/// Which certificates the client takes from the engine, decided per TLS handshake:
/// <list type="bullet">
/// <item>--insecure: any (said by name, never by default);</item>
/// <item>--ca-file: only a chain to that CA;</item>
/// <item>else a chain to the CA this client saved for the engine's address at the first contact
/// (trust on first use, as ssh's known_hosts: the CA the engine serves at <c>/api/ca.pem</c>,
/// with its fingerprint printed to compare with the engine's <c>data_dir/pki/ca.pem</c>), or
/// else to the machine's own trust store (an engine with a certificate from a CA the machine knows).</item>
/// </list>
/// The name in the certificate must match the URL's in every case but --insecure.
/// </summary>
internal sealed class EngineTrust
{
    private readonly bool _insecure;
    private readonly bool _fromFile;

    private EngineTrust(bool insecure, X509Certificate2? ca, string? caSource, bool fromFile, string? savedPath)
    {
        _insecure = insecure;
        Ca = ca;
        CaSource = caSource;
        _fromFile = fromFile;
        SavedPath = savedPath;
    }

    /// <summary>The one CA trusted, or null: the machine's trust store.</summary>
    public X509Certificate2? Ca { get; private set; }

    /// <summary>Where <see cref="Ca"/> came from, for messages.</summary>
    public string? CaSource { get; private set; }

    /// <summary>Where this engine's CA is saved once trusted on first use (null with --ca-file or --insecure).</summary>
    public string? SavedPath { get; }

    /// <summary>True while the CA may still be learned from the engine: nothing saved, no --ca-file, not --insecure.</summary>
    public bool CanLearn => !_insecure && !_fromFile && Ca is null && SavedPath is not null;

    /// <summary>Why the last certificate was refused.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>$XDG_CONFIG_HOME/sanpool/engine-ca, or ~/.config/sanpool/engine-ca.</summary>
    public static string DefaultDirectory =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } config
                ? config
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
            "sanpool",
            "engine-ca");

    public static EngineTrust For(Uri url, EngineClientSettings settings)
    {
        if (settings.Insecure)
        {
            return new EngineTrust(true, null, null, false, null);
        }

        if (settings.CaFile is { } file)
        {
            return new EngineTrust(false, Load(file, $"--ca-file {file}"), $"--ca-file {file}", true, null);
        }

        string saved = Path.Combine(settings.TrustDirectory ?? DefaultDirectory, FileName(url));
        return File.Exists(saved)
            ? new EngineTrust(false, Load(saved, saved), $"the CA saved for this engine in {saved}", false, saved)
            : new EngineTrust(false, null, null, false, saved);
    }

    /// <summary>The TLS handshake's verdict on the engine's certificate.</summary>
    public bool Validate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_insecure)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            LastFailure = "it sent no certificate";
            return false;
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            LastFailure = $"its certificate ({certificate.Subject}) is not for the name in the URL";
            return false;
        }

        if (Ca is null)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            LastFailure = $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to a CA this machine trusts: {Status(chain)}";
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.Add(Ca);
        foreach (var element in chain?.ChainElements.Skip(1) ?? [])
        {
            custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        if (custom.Build(certificate))
        {
            return true;
        }

        LastFailure = $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to {CaSource}: {Status(custom)}";
        return false;
    }

    /// <summary>Trusts <paramref name="pem"/> from now on (in this process; <see cref="Save"/> keeps it).</summary>
    public X509Certificate2 Learn(string pem, string source)
    {
        var ca = X509Certificate2.CreateFromPem(pem);
        Ca = ca;
        CaSource = source;
        return ca;
    }

    /// <summary>Writes the learned CA where the next run finds it (the directory private to the user).</summary>
    public void Save()
    {
        if (Ca is null || SavedPath is null)
        {
            return;
        }

        string dir = Path.GetDirectoryName(SavedPath)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        string temp = SavedPath + ".tmp";
        File.WriteAllText(temp, Ca.ExportCertificatePem() + "\n");
        File.Move(temp, SavedPath, overwrite: true);
    }

    /// <summary>"AB:CD:...": the SHA-256 fingerprint, as <c>openssl x509 -fingerprint -sha256</c> prints it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>"127.0.0.1_8443.pem", "engine.example.com_443.pem", "__1__8443.pem" for [::1].</summary>
    private static string FileName(Uri url)
    {
        string host = new([.. url.IdnHost.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_')]);
        return $"{host}_{url.Port}.pem";
    }

    private static X509Certificate2 Load(string path, string what)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new UsageException($"{what}: not a readable PEM certificate: {e.Message}");
        }
    }

    private static string Status(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain"
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim().Length > 0 ? s.StatusInformation.Trim() : s.Status.ToString()).Distinct());
}
