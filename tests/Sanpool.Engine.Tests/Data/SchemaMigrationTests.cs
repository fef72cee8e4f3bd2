using Sanpool.Core;
using Sanpool.Engine.Data;

namespace Sanpool.Engine.Tests.Data;

/// <summary>The schema is migrated at every start, on both databases: once, never backwards, once even when two engines start together.</summary>
[Collection(OnePostgresServer.Name)]
public sealed class SchemaMigrationTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Every table of the schema (constants of the test, not input).</summary>
    private static readonly string[] Tables =
    [
        "schema_version", "storage_pool", "storage_domain_static", "storage_domain_dynamic", "storage_pool_iso_map", "vds_static",
        "vds_dynamic", "vds_spm_id_map", "vm_static", "vm_dynamic", "base_disks", "disk_vm_element", "snapshots", "images",
        "image_storage_domain_map", "disk_image_dynamic", "job", "step", "async_tasks", "audit_log", "engine_users", "engine_tokens", "job_subject_entity",
    ];

    [Theory]
    [BothDatabases]
    public async Task Migrating_an_empty_database_creates_every_table_at_the_latest_version(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres, migrate: false);

        var result = await test.Database.MigrateAsync(None);

        Assert.Equal(0, result.VersionBefore);
        Assert.Equal(SchemaMigrator.LatestVersion, result.VersionAfter);
        Assert.Equal(Enumerable.Range(1, SchemaMigrator.LatestVersion), result.Applied);
        foreach (string table in Tables)
        {
            long rows = await test.Database.ReadAsync(s => s.ScalarAsync<long>($"SELECT COUNT(*) FROM {table}", null, None), None);
            Assert.Equal(table == "schema_version" ? SchemaMigrator.LatestVersion : 0, rows);
        }
    }

    [Theory]
    [BothDatabases]
    public async Task A_second_start_migrates_nothing_and_keeps_the_data(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var pool = Sample.Pool();
        await test.Database.Pools.InsertPoolAsync(pool, None);

        var second = await test.Open().MigrateAsync(None);

        Assert.Empty(second.Applied);
        Assert.Equal(SchemaMigrator.LatestVersion, second.VersionBefore);
        Assert.Equal(SchemaMigrator.LatestVersion, second.VersionAfter);
        Assert.Equal(pool, await test.Database.Pools.GetPoolAsync(pool.Id, None));
        Assert.Equal(SchemaMigrator.LatestVersion, await CountVersionsAsync(test.Database));
    }

    [Theory]
    [BothDatabases]
    public async Task A_database_newer_than_the_code_is_refused_with_DB_SCHEMA_NEWER(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        int newer = SchemaMigrator.LatestVersion + 1;
        await test.Database.TransactAsync(
            s => s.ExecuteAsync("INSERT INTO schema_version (version, name, applied_at) VALUES (@newer, 'from_the_future', @now)", new { newer, now = s.Now }, None),
            None);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => test.Open().MigrateAsync(None));

        Assert.Equal(EngineErrors.DbSchemaNewer, e.Code);
        Assert.Contains($"schema version {newer}, newer than this engine's {SchemaMigrator.LatestVersion}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [BothDatabases]
    public async Task Four_engines_starting_at_once_migrate_the_schema_once(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres, migrate: false);
        var engines = Enumerable.Range(0, 4).Select(_ => test.Open()).ToList();

        var results = await Task.WhenAll(engines.Select(e => Task.Run(() => e.MigrateAsync(None))));

        Assert.Equal(Enumerable.Range(1, SchemaMigrator.LatestVersion), results.SelectMany(r => r.Applied).Order());
        Assert.All(results, r => Assert.Equal(SchemaMigrator.LatestVersion, r.VersionAfter));
        Assert.Equal(SchemaMigrator.LatestVersion, await CountVersionsAsync(test.Database));
    }

    [Theory]
    [BothDatabases]
    public async Task A_migration_that_fails_half_way_is_rolled_back_whole_and_the_version_stays(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var broken = new SchemaMigration(
            SchemaMigrator.LatestVersion + 1,
            "broken",
            "CREATE TABLE half_done (x INTEGER); INSERT INTO half_done (x) VALUES (1); INSERT INTO storage_pool (id) VALUES (NULL);");

        var e = await Assert.ThrowsAsync<SanpoolException>(
            () => SchemaMigrator.MigrateAsync(test.Open(), [.. SchemaMigrator.Migrations, broken], None));

        Assert.Equal(EngineErrors.DbMigrationFailed, e.Code);
        Assert.Contains("_broken failed and was rolled back", e.Message, StringComparison.Ordinal);
        Assert.Equal(SchemaMigrator.LatestVersion, await CountVersionsAsync(test.Database));
        // The table the failed script created went with its transaction.
        await test.Database.TransactAsync(s => s.ExecuteAsync("CREATE TABLE half_done (x INTEGER)", null, None), None);
    }

    [Fact]
    public void The_one_migration_script_leaves_no_token_unreplaced_in_either_dialect()
    {
        foreach (var migration in SchemaMigrator.Migrations)
        {
            foreach (var dialect in new[] { SqlDialect.Sqlite, SqlDialect.Postgres })
            {
                string script = dialect.Substitute(migration.Script);
                Assert.DoesNotContain("{", script, StringComparison.Ordinal);
                Assert.DoesNotContain("}", script, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task An_unreachable_PostgreSQL_server_is_DB_UNREACHABLE_and_transient()
    {
        using var dir = new Sanpool.TestSupport.TempDir("no-pg");
        await using var database = EngineDatabase.OpenPostgres($"Host={dir.Path};Username=postgres;Database=nothing;Timeout=2");

        var e = await Assert.ThrowsAsync<SanpoolException>(() => database.MigrateAsync(None));

        Assert.Equal(EngineErrors.DbUnreachable, e.Code);
        Assert.True(e.IsTransient);
    }

    private static Task<long> CountVersionsAsync(EngineDatabase database) =>
        database.ReadAsync(s => s.ScalarAsync<long>("SELECT COUNT(*) FROM schema_version", null, None), None);
}
