using System.Globalization;
using System.Net;

namespace Sanpool.Engine;

/// <summary>
/// Where the engine serves its API, parsed from the config's <c>listen</c>:
/// <code>
/// https://127.0.0.1:8443     TLS on one address (also [::1], 0.0.0.0, [::], localhost); port 0: any free one
/// http://127.0.0.1:8080      plain HTTP, only with "insecure_http": true (tests)
/// unix:/run/sanpool/engine.sock   plain HTTP on a unix socket (its file mode guards it; logins still apply)
/// </code>
/// </summary>
public sealed record EngineListenAddress
{
    private const string UnixPrefix = "unix:";

    private EngineListenAddress(string scheme, IPAddress? address, bool localhost, int port, string? socketPath)
    {
        Scheme = scheme;
        Address = address;
        IsLocalhost = localhost;
        Port = port;
        SocketPath = socketPath;
    }

    /// <summary>"https", "http" or "unix".</summary>
    public string Scheme { get; }

    /// <summary>The IP address to bind (null for localhost and unix sockets).</summary>
    public IPAddress? Address { get; }

    /// <summary>"localhost": both loopback addresses.</summary>
    public bool IsLocalhost { get; }

    public int Port { get; }

    /// <summary>The socket's absolute path, for unix.</summary>
    public string? SocketPath { get; }

    public bool IsUnix => SocketPath is not null;

    public bool IsHttps => Scheme == "https";

    /// <summary>Parses <paramref name="text"/>; on failure returns null and says why in <paramref name="problem"/>.</summary>
    public static EngineListenAddress? TryParse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            string path = text[UnixPrefix.Length..];
            if (!Path.IsPathFullyQualified(path))
            {
                problem = $"\"{text}\": a unix socket needs an absolute path (unix:/run/sanpool/engine.sock)";
                return null;
            }

            return new EngineListenAddress("unix", null, false, 0, path);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0 || !text.Contains("://", StringComparison.Ordinal))
        {
            problem = $"\"{text}\" is not https://ADDRESS:PORT, http://ADDRESS:PORT or unix:/PATH";
            return null;
        }

        // Uri fills in the scheme's default port when none is written; the engine wants it said.
        if (!HasExplicitPort(text))
        {
            problem = $"\"{text}\" has no port (https://127.0.0.1:8443)";
            return null;
        }

        if (uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns)
        {
            return new EngineListenAddress(uri.Scheme, null, true, uri.Port, null);
        }

        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            problem = $"\"{text}\": listen on an IP address or localhost, not the name {uri.Host}";
            return null;
        }

        return new EngineListenAddress(uri.Scheme, address, false, uri.Port, null);
    }

    public override string ToString() =>
        IsUnix ? UnixPrefix + SocketPath
        : IsLocalhost ? string.Create(CultureInfo.InvariantCulture, $"{Scheme}://localhost:{Port}")
        : new UriBuilder(Scheme, Address!.ToString(), Port).Uri.GetLeftPart(UriPartial.Authority);

    private static bool HasExplicitPort(string text)
    {
        int hostStart = text.IndexOf("://", StringComparison.Ordinal) + 3;
        string authority = text[hostStart..].TrimEnd('/');
        int bracket = authority.LastIndexOf(']');
        int colon = authority.LastIndexOf(':');
        return colon > bracket && colon < authority.Length - 1;
    }
}
