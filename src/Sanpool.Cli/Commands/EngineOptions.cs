using System.CommandLine;
using Sanpool.Cli.EngineApi;

namespace Sanpool.Cli.Commands;

/// <summary>
/// Where the engine is and how to log in, on every <c>sanpool engine</c> verb but <c>run</c>:
/// <c>--engine URL</c> ($SANPOOL_ENGINE), <c>--user</c> with <c>--password-file</c> or
/// <c>--password</c> ($SANPOOL_ENGINE_USER, $SANPOOL_ENGINE_PASSWORD), or <c>--token</c>
/// ($SANPOOL_ENGINE_TOKEN); <c>--ca-file</c> and <c>--insecure</c> for the engine's certificate.
/// </summary>
internal sealed class EngineOptions
{
    public const string UrlVariable = "SANPOOL_ENGINE";
    public const string UserVariable = "SANPOOL_ENGINE_USER";
    public const string PasswordVariable = "SANPOOL_ENGINE_PASSWORD";
    public const string TokenVariable = "SANPOOL_ENGINE_TOKEN";

    private readonly Func<EngineClientSettings, EngineClientSettings>? _configure;

    /// <param name="configure">Changes the settings made from the options (a test gives an in-process engine's transport).</param>
    public EngineOptions(Func<EngineClientSettings, EngineClientSettings>? configure) => _configure = configure;

    public Option<string?> Engine { get; } = new("--engine")
    {
        Description = $"The engine's URL: https://HOST:PORT, unix:/PATH of its socket, or http://HOST:PORT (its config's \"listen\"; default ${UrlVariable}).",
        HelpName = "URL",
    };

    public Option<string?> User { get; } = new("--user")
    {
        Description = $"Log in as this user (default ${UserVariable}); the password from --password-file, --password or ${PasswordVariable}. " +
                      "The CLI trades it for a bearer token for the command's length and revokes the token at the end.",
        HelpName = "NAME",
    };

    public Option<string?> Password { get; } = new("--password")
    {
        Description = $"The user's password (seen by anyone who lists processes: prefer --password-file or ${PasswordVariable}).",
        HelpName = "PASSWORD",
    };

    public Option<string?> PasswordFile { get; } = new("--password-file")
    {
        Description = "Read the user's password from the first line of this file.",
        HelpName = "FILE",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"A bearer token from POST /api/sso/token instead of a user and password (default ${TokenVariable}).",
        HelpName = "TOKEN",
    };

    public Option<string?> CaFile { get; } = new("--ca-file")
    {
        Description = "Trust only this CA (PEM) for the engine's certificate: the engine's data_dir/pki/ca.pem. Without it, the CA the engine serves " +
                      "is trusted on first use and saved in ~/.config/sanpool/engine-ca/ ($XDG_CONFIG_HOME), its fingerprint printed once.",
        HelpName = "FILE",
    };

    public Option<bool> Insecure { get; } = new("--insecure")
    {
        Description = "Accept any certificate from the engine (no protection against a man in the middle).",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Engine, User, Password, PasswordFile, Token, CaFile, Insecure })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>A client of the engine the options (or the environment) name; missing or contradictory options are usage errors.</summary>
    public EngineClient Client(ParseResult p)
    {
        ArgumentNullException.ThrowIfNull(p);
        string url = p.GetValue(Engine) ?? Variable(UrlVariable)
            ?? throw new UsageException($"give --engine URL (or set ${UrlVariable}): the engine's https://HOST:PORT or unix:/PATH");
        string? token = p.GetValue(Token) ?? Variable(TokenVariable);
        string? user = p.GetValue(User) ?? Variable(UserVariable);
        string? password = null;
        if (p.GetValue(Token) is not null && p.GetValue(User) is not null)
        {
            throw new UsageException("give --token or --user, not both");
        }

        if (p.GetValue(Token) is not null)
        {
            // --token given on the command line wins over a user from the environment.
            user = null;
        }
        else if (user is not null)
        {
            token = null;
            password = PasswordOf(p) ?? throw new UsageException($"--user {user} needs a password: --password-file FILE, --password or ${PasswordVariable}");
        }

        if (p.GetValue(Insecure) && p.GetValue(CaFile) is not null)
        {
            throw new UsageException("--insecure accepts any certificate and --ca-file only one CA's: give one of them");
        }

        var settings = new EngineClientSettings
        {
            Url = url,
            User = user,
            Password = password,
            Token = token,
            CaFile = p.GetValue(CaFile),
            Insecure = p.GetValue(Insecure),
            Notices = p.InvocationConfiguration.Error,
        };
        return EngineClient.Create(_configure?.Invoke(settings) ?? settings);
    }

    private string? PasswordOf(ParseResult p)
    {
        if (p.GetValue(PasswordFile) is { } file)
        {
            try
            {
                return File.ReadLines(file).FirstOrDefault() ?? "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--password-file {file}: {e.Message}");
            }
        }

        return p.GetValue(Password) ?? Variable(PasswordVariable);
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
