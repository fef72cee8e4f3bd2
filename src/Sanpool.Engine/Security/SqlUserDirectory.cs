using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Model;
using Sanpool.Engine.Web;

namespace Sanpool.Engine.Security;

/// <summary>The engine's users and tokens in its database (engine_users, engine_tokens), through <see cref="UserStore"/>.</summary>
public sealed class SqlUserDirectory(UserStore users) : IUserDirectory
{
    public Task<EngineUser?> FindUserAsync(string name, CancellationToken cancellationToken) => users.FindUserByNameAsync(name, cancellationToken);

    public Task<bool> HasAdminAsync(CancellationToken cancellationToken) => users.HasAdminAsync(cancellationToken);

    public async Task AddUserAsync(EngineUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        try
        {
            await users.CreateUserAsync(user, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == EngineErrors.DbConstraint || e.Code == EngineErrors.Conflict)
        {
            throw new SanpoolException(WebErrors.UserExists, $"a user called '{LogText.Printable(user.Name, 64)}' (or with id {user.UserId}) exists", innerException: e);
        }
    }

    public async Task<bool> SetPasswordAsync(Guid userId, string passwordHash, CancellationToken cancellationToken)
    {
        try
        {
            await users.SetPasswordHashAsync(userId, passwordHash, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SanpoolException e) when (e.Code == EngineErrors.NotFound)
        {
            return false;
        }
    }

    public Task<IReadOnlyList<EngineUser>> ListUsersAsync(long offset, int limit, CancellationToken cancellationToken) =>
        users.ListUsersAsync(new Page(limit, checked((int)offset)), cancellationToken);

    public Task<long> CountUsersAsync(CancellationToken cancellationToken) => users.CountUsersAsync(cancellationToken);

    public Task AddTokenAsync(EngineToken token, CancellationToken cancellationToken) => users.AddTokenAsync(token, cancellationToken);

    public async Task<EngineUser?> UseTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = await users.FindTokenByHashAsync(tokenHash, cancellationToken).ConfigureAwait(false);
        if (token is null || token.Expires <= now)
        {
            return null;
        }

        var user = await users.GetUserAsync(token.UserId, cancellationToken).ConfigureAwait(false);
        if (user is not null)
        {
            try
            {
                await users.TouchTokenAsync(tokenHash, now, cancellationToken).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (e.Code == EngineErrors.NotFound)
            {
                // Revoked between the two reads: the request is refused like any unknown token.
                return null;
            }
        }

        return user;
    }

    public Task<bool> RevokeTokenAsync(string tokenHash, CancellationToken cancellationToken) => users.RevokeTokenAsync(tokenHash, cancellationToken);
}
