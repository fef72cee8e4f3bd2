using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>Events are appended with growing ids and read on from an id; users and token hashes read back equal.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class AuditLogAndUserStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task Events_get_growing_ids_and_read_back_equal_from_any_id_on(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var log = test.Database.AuditLog;
        var full = new AuditLog(0, Sample.T0, 204, "IRS_HOST_ELECTED_SPM", AuditLogSeverity.NORMAL, "Storage Pool Manager runs on Host host1",
            Guid.NewGuid(), "admin", Guid.NewGuid(), "host1", Guid.NewGuid(), "TestVM", Guid.NewGuid(), "sd1", Guid.NewGuid(), "dc1", "corr-9", Guid.NewGuid());
        var bare = new AuditLog(0, Sample.T0.AddSeconds(1), 990, "HOST_NOT_RESPONDING", AuditLogSeverity.ERROR, "Host host2 is not responding");

        long first = await log.AppendAsync(full, None);
        long second = await log.AppendAsync(bare, None);
        long third = await log.AppendAsync(bare with { Severity = AuditLogSeverity.ALERT, Origin = "agent" }, None);

        Assert.True(first < second && second < third);
        Assert.Equal(
            [full with { AuditLogId = first }, bare with { AuditLogId = second }, bare with { AuditLogId = third, Severity = AuditLogSeverity.ALERT, Origin = "agent" }],
            await log.ListSinceAsync(0, 10, None));
        Assert.Equal([third], (await log.ListSinceAsync(second, 10, None)).Select(e => e.AuditLogId));
        Assert.Equal([second], (await log.ListSinceAsync(first, 1, None)).Select(e => e.AuditLogId));
        Assert.Equal([third, second], (await log.ListAsync(new Page(2), None)).Select(e => e.AuditLogId));
    }

    [Theory]
    [BothDatabases]
    public async Task Users_and_token_hashes_read_back_equal_and_a_revoked_token_is_gone(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var users = test.Database.Users;
        var admin = new EngineUser(Guid.NewGuid(), "admin", "$pbkdf2-sha256$i=600000$c2FsdA$aGFzaA", EngineRole.Admin, Sample.T0);
        var reader = new EngineUser(Guid.NewGuid(), "reader", "$pbkdf2-sha256$i=600000$eA$eQ", EngineRole.ReadOnly, Sample.T0);
        await users.CreateUserAsync(admin, None);
        await users.CreateUserAsync(reader, None);

        Assert.Equal(admin, await users.FindUserByNameAsync("admin", None));
        Assert.Equal(reader, await users.GetUserAsync(reader.UserId, None));
        Assert.Null(await users.FindUserByNameAsync("Admin", None));
        Assert.Equal([admin, reader], await users.ListUsersAsync(Page.First(), None));
        var taken = await Assert.ThrowsAsync<SanpoolException>(() => users.CreateUserAsync(admin with { UserId = Guid.NewGuid() }, None));
        Assert.Equal(EngineErrors.Conflict, taken.Code);
        await users.SetPasswordHashAsync(reader.UserId, "new-hash", None);
        Assert.Equal(reader with { PasswordHash = "new-hash" }, await users.GetUserAsync(reader.UserId, None));

        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("the-token"u8));
        var token = new EngineToken(hash, admin.UserId, "ci", Sample.T0, Sample.T0.AddDays(30), null);
        await users.AddTokenAsync(token, None);
        Assert.Equal(token, await users.FindTokenByHashAsync(hash, None));
        var used = Sample.T0.AddHours(2);
        await users.TouchTokenAsync(hash, used, None);
        Assert.Equal([token with { LastUsed = used }], await users.ListTokensAsync(admin.UserId, None));

        Assert.True(await users.RevokeTokenAsync(hash, None));
        Assert.Null(await users.FindTokenByHashAsync(hash, None));
        Assert.False(await users.RevokeTokenAsync(hash, None));
    }
}
