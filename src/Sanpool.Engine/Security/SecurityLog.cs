using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Security;

/// <summary>
/// What the engine's security logs, with stable event ids (10500 band). Login failures name
/// the user and where the request came from, never the password, so they can be audited.
/// </summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 10500, Level = LogLevel.Information, Message = "made the engine's CA {Subject} (valid until {NotAfter:u}, thumbprint {Thumbprint}) in {Path}")]
    public static partial void CaMade(ILogger logger, string subject, DateTime notAfter, string thumbprint, string path);

    [LoggerMessage(EventId = 10501, Level = LogLevel.Information, Message = "made the server certificate {Subject} (valid until {NotAfter:u}, thumbprint {Thumbprint})")]
    public static partial void ServerCertificateMade(ILogger logger, string subject, DateTime notAfter, string thumbprint);

    [LoggerMessage(EventId = 10502, Level = LogLevel.Warning, Message = "replacing the server certificate {Path}: {Why}")]
    public static partial void ServerCertificateReplaced(ILogger logger, string path, string why);

    [LoggerMessage(EventId = 10510, Level = LogLevel.Warning, Message = "login failed: user '{User}' from {Remote} ({How}): {Why}")]
    public static partial void LoginFailed(ILogger logger, string user, string remote, string how, string why);

    [LoggerMessage(EventId = 10511, Level = LogLevel.Warning, Message = "login failed: a bearer token from {Remote} is unknown, expired or revoked")]
    public static partial void TokenRefused(ILogger logger, string remote);

    [LoggerMessage(EventId = 10512, Level = LogLevel.Information, Message = "user '{User}' from {Remote} got a token '{Name}' valid until {Expires:u}")]
    public static partial void TokenIssued(ILogger logger, string user, string remote, string name, DateTimeOffset expires);

    [LoggerMessage(EventId = 10513, Level = LogLevel.Information, Message = "user '{User}' revoked the token it used")]
    public static partial void TokenRevoked(ILogger logger, string user);

    [LoggerMessage(EventId = 10514, Level = LogLevel.Information, Message = "user '{Admin}' added user '{User}' with role {Role}")]
    public static partial void UserAdded(ILogger logger, string admin, string user, string role);

    [LoggerMessage(EventId = 10515, Level = LogLevel.Information, Message = "user '{User}' changed its password")]
    public static partial void PasswordChanged(ILogger logger, string user);

    [LoggerMessage(EventId = 10516, Level = LogLevel.Warning, Message = "no admin existed: made user '{User}' with {Source}")]
    public static partial void AdminCreated(ILogger logger, string user, string source);
}
