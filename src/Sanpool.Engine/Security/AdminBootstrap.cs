using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>
/// The first admin. When no user has the admin role the engine makes user <c>admin</c>, with
/// the config's admin_password, or else a random one that the caller prints once. The fact (not
/// the password) is written to data_dir/<see cref="MarkerFile"/>, so an operator who missed the
/// output knows when it was shown.
/// </summary>
public static class AdminBootstrap
{
    public const string AdminName = "admin";
    public const string MarkerFile = "admin-password-generated";

    /// <summary>The line the engine prints for a generated password.</summary>
    public static string Announcement(string password) =>
        $"admin password: {password} (shown once; change it with PUT /api/users/me/password)";

    /// <summary>Makes the first admin if there is none; returns the password if it was generated (to show once), else null.</summary>
    public static async Task<string?> EnsureAdminAsync(IUserDirectory users, EngineConfig config, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(time);
        if (await users.HasAdminAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        string? generated = config.AdminPassword is null ? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18)) : null;
        var now = time.GetUtcNow();
        var admin = new EngineUser(Guid.NewGuid(), AdminName, PasswordHasher.Hash(config.AdminPassword ?? generated!), EngineRole.Admin, now);
        await users.AddUserAsync(admin, cancellationToken).ConfigureAwait(false);
        SecurityLog.AdminCreated(logger, AdminName, generated is null ? "admin_password from the config" : "a generated password, printed once on stdout");
        if (generated is not null)
        {
            await File.WriteAllTextAsync(
                Path.Combine(config.DataDir, MarkerFile),
                string.Create(CultureInfo.InvariantCulture, $"{now:O} a password was generated for user '{AdminName}' and printed once on stdout; it is not stored here\n"),
                cancellationToken).ConfigureAwait(false);
        }

        return generated;
    }
}
