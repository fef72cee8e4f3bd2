using Sanpool.Core;
using Sanpool.Engine.Model;
using Sanpool.Engine.Security;
using Sanpool.Engine.Tests.Data;
using Sanpool.Engine.Web;

namespace Sanpool.Engine.Tests.Security;

/// <summary>The database's user directory keeps the contract the in-memory one does, on both databases.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class SqlUserDirectoryTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task Users_are_found_by_exact_name_and_a_second_one_of_a_name_is_USER_EXISTS(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var users = new SqlUserDirectory(test.Database.Users);
        Assert.False(await users.HasAdminAsync(None));
        var reader = new EngineUser(Guid.NewGuid(), "reader", "hash-r", EngineRole.ReadOnly, Sample.T0);
        await users.AddUserAsync(reader, None);
        Assert.False(await users.HasAdminAsync(None));
        await users.AddUserAsync(new EngineUser(Guid.NewGuid(), "admin", "hash-a", EngineRole.Admin, Sample.T0), None);
        Assert.True(await users.HasAdminAsync(None));

        Assert.Equal(reader, await users.FindUserAsync("reader", None));
        Assert.Null(await users.FindUserAsync("Reader", None));
        var clash = await Assert.ThrowsAsync<SanpoolException>(() => users.AddUserAsync(reader with { UserId = Guid.NewGuid() }, None));
        Assert.Equal(WebErrors.UserExists, clash.Code);
        Assert.Equal(2, await users.CountUsersAsync(None));
        Assert.Equal(["admin", "reader"], (await users.ListUsersAsync(0, 10, None)).Select(u => u.Name));
        Assert.Equal(["reader"], (await users.ListUsersAsync(1, 10, None)).Select(u => u.Name));

        Assert.True(await users.SetPasswordAsync(reader.UserId, "hash-r2", None));
        Assert.Equal("hash-r2", (await users.FindUserAsync("reader", None))!.PasswordHash);
        Assert.False(await users.SetPasswordAsync(Guid.NewGuid(), "x", None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_token_serves_its_user_until_it_expires_or_is_revoked(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var users = new SqlUserDirectory(test.Database.Users);
        var admin = new EngineUser(Guid.NewGuid(), "admin", "hash-a", EngineRole.Admin, Sample.T0);
        await users.AddUserAsync(admin, None);
        string hash = AccessTokens.HashOf("token-one");
        await users.AddTokenAsync(new EngineToken(hash, admin.UserId, "cli", Sample.T0, Sample.T0.AddHours(1), null), None);

        Assert.Equal(admin, await users.UseTokenAsync(hash, Sample.T0.AddMinutes(5), None));
        Assert.Equal(Sample.T0.AddMinutes(5), (await test.Database.Users.FindTokenByHashAsync(hash, None))!.LastUsed);
        Assert.Null(await users.UseTokenAsync(hash, Sample.T0.AddHours(1), None));
        Assert.Null(await users.UseTokenAsync(AccessTokens.HashOf("never-issued"), Sample.T0, None));

        Assert.True(await users.RevokeTokenAsync(hash, None));
        Assert.Null(await users.UseTokenAsync(hash, Sample.T0.AddMinutes(6), None));
        Assert.False(await users.RevokeTokenAsync(hash, None));
    }
}
