using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>
/// The engine's users and their bearer tokens: the tables engine_users and engine_tokens.
/// <see cref="InMemoryUserDirectory"/> is the one for tests; the database's implementation
/// keeps the same contract. Names compare exactly (ordinal). Tokens are found by
/// <see cref="AccessTokens.HashOf"/> only: the token itself is never stored.
/// </summary>
public interface IUserDirectory
{
    /// <summary>The user called <paramref name="name"/>, or null.</summary>
    Task<EngineUser?> FindUserAsync(string name, CancellationToken cancellationToken);

    /// <summary>True if any user has the admin role (at first start the engine makes one if not).</summary>
    Task<bool> HasAdminAsync(CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="user"/>.</summary>
    /// <exception cref="Sanpool.Core.SanpoolException">USER_EXISTS (WebErrors.UserExists) when the name or id is taken.</exception>
    Task AddUserAsync(EngineUser user, CancellationToken cancellationToken);

    /// <summary>Replaces the password hash of user <paramref name="userId"/>; false if there is no such user.</summary>
    Task<bool> SetPasswordAsync(Guid userId, string passwordHash, CancellationToken cancellationToken);

    /// <summary>Users ordered by name, <paramref name="limit"/> of them after the first <paramref name="offset"/>.</summary>
    Task<IReadOnlyList<EngineUser>> ListUsersAsync(long offset, int limit, CancellationToken cancellationToken);

    Task<long> CountUsersAsync(CancellationToken cancellationToken);

    /// <summary>Records a token just given out (its hash, owner and expiry).</summary>
    Task AddTokenAsync(EngineToken token, CancellationToken cancellationToken);

    /// <summary>
    /// The owner of the token whose hash is <paramref name="tokenHash"/> if it is known and
    /// expires after <paramref name="now"/>, recording <paramref name="now"/> as its last use;
    /// null otherwise (unknown, revoked or expired).
    /// </summary>
    Task<EngineUser?> UseTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Forgets the token; false if it was not known.</summary>
    Task<bool> RevokeTokenAsync(string tokenHash, CancellationToken cancellationToken);
}
