using Sanpool.Core;
using Sanpool.Engine.Web;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>
/// <see cref="IUserDirectory"/> in memory, for tests (and an engine whose database layer is
/// not wired yet): gone when the process ends. Thread-safe under one lock.
/// </summary>
public sealed class InMemoryUserDirectory : IUserDirectory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, EngineUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EngineToken> _tokens = new(StringComparer.Ordinal);

    public Task<EngineUser?> FindUserAsync(string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_users.GetValueOrDefault(name));
        }
    }

    public Task<bool> HasAdminAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_users.Values.Any(u => u.Role == EngineRole.Admin));
        }
    }

    public Task AddUserAsync(EngineUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_lock)
        {
            if (_users.ContainsKey(user.Name) || _users.Values.Any(u => u.UserId == user.UserId))
            {
                throw new SanpoolException(WebErrors.UserExists, $"a user named '{user.Name}' exists");
            }

            _users.Add(user.Name, user);
        }

        return Task.CompletedTask;
    }

    public Task<bool> SetPasswordAsync(Guid userId, string passwordHash, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var user = _users.Values.FirstOrDefault(u => u.UserId == userId);
            if (user is null)
            {
                return Task.FromResult(false);
            }

            _users[user.Name] = user with { PasswordHash = passwordHash };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<EngineUser>> ListUsersAsync(long offset, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<EngineUser> page = _users.Values.OrderBy(u => u.Name, StringComparer.Ordinal)
                .Skip((int)Math.Min(offset, int.MaxValue)).Take(limit).ToList();
            return Task.FromResult(page);
        }
    }

    public Task<long> CountUsersAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult((long)_users.Count);
        }
    }

    public Task AddTokenAsync(EngineToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_lock)
        {
            _tokens[token.TokenHash] = token;
        }

        return Task.CompletedTask;
    }

    public Task<EngineUser?> UseTokenAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_tokens.TryGetValue(tokenHash, out var token) || token.Expires <= now)
            {
                return Task.FromResult<EngineUser?>(null);
            }

            _tokens[tokenHash] = token with { LastUsed = now };
            return Task.FromResult(_users.Values.FirstOrDefault(u => u.UserId == token.UserId));
        }
    }

    public Task<bool> RevokeTokenAsync(string tokenHash, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_tokens.Remove(tokenHash));
        }
    }
}
