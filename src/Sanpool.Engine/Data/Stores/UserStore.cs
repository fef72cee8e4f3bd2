using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// Sanpool's own users (<c>engine_users</c>) and bearer tokens (<c>engine_tokens</c>). Only
/// hashes are stored: the password's, and the token's SHA-256; making and checking them is the
/// security code's job.
/// </summary>
public sealed class UserStore
{
    private const string UserColumns = "user_id, name, password_hash, role, created";
    private const string TokenColumns = "token_hash, user_id, name, created, expires, last_used";

    private readonly EngineDatabase _db;

    internal UserStore(EngineDatabase db) => _db = db;

    /// <summary>Adds a user; CONFLICT if the name is taken.</summary>
    public Task CreateUserAsync(EngineUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return _db.TransactAsync(
            s => s.ExecuteAsync(
                $"INSERT INTO engine_users ({UserColumns}) VALUES (@UserId, @Name, @PasswordHash, @role, @Created)",
                new { user.UserId, user.Name, user.PasswordHash, role = EngineRoles.ToText(user.Role), user.Created },
                cancellationToken),
            cancellationToken);
    }

    public Task<EngineUser?> FindUserByNameAsync(string name, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {UserColumns} FROM engine_users WHERE name = @name", new { name }, ReadUser, cancellationToken),
            cancellationToken);

    public Task<EngineUser?> GetUserAsync(Guid userId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {UserColumns} FROM engine_users WHERE user_id = @userId", new { userId }, ReadUser, cancellationToken),
            cancellationToken);

    /// <summary>True if any user has the admin role.</summary>
    public async Task<bool> HasAdminAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.ScalarAsync<long>("SELECT COUNT(*) FROM engine_users WHERE role = @role", new { role = EngineRoles.AdminText }, cancellationToken),
            cancellationToken).ConfigureAwait(false) > 0;

    public Task<long> CountUsersAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(s => s.ScalarAsync<long>("SELECT COUNT(*) FROM engine_users", null, cancellationToken), cancellationToken);

    /// <summary>Users by name.</summary>
    public async Task<IReadOnlyList<EngineUser>> ListUsersAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {UserColumns} FROM engine_users ORDER BY name LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                ReadUser,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task SetPasswordHashAsync(Guid userId, string passwordHash, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE engine_users SET password_hash = @passwordHash WHERE user_id = @userId",
                    new { userId, passwordHash },
                    cancellationToken).ConfigureAwait(false),
                $"user {userId}"),
            cancellationToken);

    /// <summary>Stores a token's hash for its user.</summary>
    public Task AddTokenAsync(EngineToken token, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            s => s.ExecuteAsync(
                $"INSERT INTO engine_tokens ({TokenColumns}) VALUES (@TokenHash, @UserId, @Name, @Created, @Expires, @LastUsed)",
                token,
                cancellationToken),
            cancellationToken);

    /// <summary>The token with this hash, or null (never issued, or revoked). Expiry is the caller's to judge.</summary>
    public Task<EngineToken?> FindTokenByHashAsync(string tokenHash, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {TokenColumns} FROM engine_tokens WHERE token_hash = @tokenHash", new { tokenHash }, ReadToken, cancellationToken),
            cancellationToken);

    /// <summary>Records a token's use.</summary>
    public Task TouchTokenAsync(string tokenHash, DateTimeOffset lastUsed, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE engine_tokens SET last_used = @lastUsed WHERE token_hash = @tokenHash",
                    new { tokenHash, lastUsed },
                    cancellationToken).ConfigureAwait(false),
                "token"),
            cancellationToken);

    /// <summary>Revokes a token (its row is removed). False if there was none.</summary>
    public Task<bool> RevokeTokenAsync(string tokenHash, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => await s.ExecuteAsync("DELETE FROM engine_tokens WHERE token_hash = @tokenHash", new { tokenHash }, cancellationToken).ConfigureAwait(false) > 0,
            cancellationToken);

    /// <summary>A user's tokens, oldest first.</summary>
    public async Task<IReadOnlyList<EngineToken>> ListTokensAsync(Guid userId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {TokenColumns} FROM engine_tokens WHERE user_id = @userId ORDER BY created, token_hash",
                new { userId },
                ReadToken,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    internal static EngineUser ReadUser(Row r) => new(
        r.Uuid("user_id"),
        r.Text("name"),
        r.Text("password_hash"),
        EngineRoles.Parse(r.Text("role")),
        r.Time("created"));

    internal static EngineToken ReadToken(Row r) => new(
        r.Text("token_hash"),
        r.Uuid("user_id"),
        r.Text("name"),
        r.Time("created"),
        r.TimeOrNull("expires"),
        r.TimeOrNull("last_used"));
}
