using Microsoft.Extensions.Logging;
using Sanpool.Engine.Web;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>
/// Checks a user name and password, for Basic authentication and the token endpoint alike. A
/// failure (no such user, wrong password) costs the same PBKDF2 work either way and then waits
/// <see cref="FailureDelay"/>, which slows guessing down and says nothing of which one it was;
/// it is logged naming the user and the client, never the password.
/// </summary>
public sealed class LoginCheck(IUserDirectory users, TimeProvider time, ILogger<LoginCheck> logger)
{
    public static readonly TimeSpan FailureDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>oVirt's clients log in as admin@internal: the profile is taken off.</summary>
    private const string OvirtProfile = "@internal";

    /// <summary>The user if <paramref name="password"/> is theirs, else null (after the delay).</summary>
    /// <param name="how">"basic" or "token request", for the log.</param>
    /// <param name="remote">The client's address, for the log.</param>
    public async Task<EngineUser?> CheckAsync(string name, string password, string how, string remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(password);
        string userName = name.EndsWith(OvirtProfile, StringComparison.Ordinal) ? name[..^OvirtProfile.Length] : name;
        var user = userName.Length == 0 ? null : await users.FindUserAsync(userName, cancellationToken).ConfigureAwait(false);
        bool ok = user is null ? PasswordHasher.VerifyNobody(password) : PasswordHasher.Verify(password, user.PasswordHash);
        if (ok)
        {
            return user;
        }

        SecurityLog.LoginFailed(logger, LogText.Printable(userName, 64), remote, how, user is null ? "no such user" : "wrong password");
        await Task.Delay(FailureDelay, time, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
