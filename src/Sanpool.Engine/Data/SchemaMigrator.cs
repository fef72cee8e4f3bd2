using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Sanpool.Core;

namespace Sanpool.Engine.Data;

/// <summary>
/// Brings a database's schema to this engine's version, at every start, on both databases.
/// <list type="bullet">
/// <item>The version is in <c>schema_version</c> (one row per migration applied).</item>
/// <item>Each migration runs in its own transaction with the row that records it: a failure
/// leaves the database at the previous version.</item>
/// <item>A second start finds nothing to do and changes nothing.</item>
/// <item>A database migrated by a newer engine is refused (DB_SCHEMA_NEWER): this engine does
/// not know what the newer tables mean.</item>
/// <item>Two engines starting at once migrate once. On PostgreSQL the migrator holds a
/// session advisory lock while it reads the version and migrates; the second engine waits for
/// it, then finds the schema current. (Without it both would read version 0 and both run
/// CREATE TABLE; one would fail.) On SQLite each step is a BEGIN IMMEDIATE transaction, and
/// the version is read again inside it, after the write lock is held.</item>
/// </list>
/// </summary>
public static class SchemaMigrator
{
    /// <summary>The advisory lock key: "sanpool" in ASCII, so other users of the server are unlikely to share it.</summary>
    public const long AdvisoryLockKey = 0x73616E706F6F6C;

    private const string ResourcePrefix = "migrations/";

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER NOT NULL PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at {timestamp} NOT NULL
        )
        """;

    private static readonly Lazy<IReadOnlyList<SchemaMigration>> Embedded = new(LoadEmbedded);

    /// <summary>This engine's migrations, in version order.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations => Embedded.Value;

    /// <summary>The schema version this engine's code is written for.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    public static Task<SchemaMigrationResult> MigrateAsync(EngineDatabase database, CancellationToken cancellationToken) =>
        MigrateAsync(database, Migrations, cancellationToken);

    /// <summary>Migrates with the given migrations (version order) as if they were this engine's: for tests.</summary>
    internal static async Task<SchemaMigrationResult> MigrateAsync(
        EngineDatabase database, IReadOnlyList<SchemaMigration> migrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var session = new DbSession(database.Dialect, connection, null, database.Clock);
            bool locked = false;
            try
            {
                if (database.Provider == DatabaseProvider.Postgres)
                {
                    await session.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken).ConfigureAwait(false);
                    locked = true;
                }

                return await MigrateLockedAsync(database, connection, migrations, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (locked)
                {
                    // Also released when the connection closes; unlocking keeps a pooled
                    // connection from carrying the lock on.
                    await session.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey }, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<SchemaMigrationResult> MigrateLockedAsync(
        EngineDatabase database, System.Data.Common.DbConnection connection, IReadOnlyList<SchemaMigration> migrations, CancellationToken cancellationToken)
    {
        int latest = migrations[^1].Version;
        var applied = new List<int>();
        int before = -1;
        while (true)
        {
            var transaction = await EngineDatabase.BeginAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var session = new DbSession(database.Dialect, connection, transaction, database.Clock);
                await session.ExecuteAsync(database.Dialect.Substitute(CreateVersionTable), null, cancellationToken).ConfigureAwait(false);
                int current = await session.ScalarAsync<int>("SELECT COALESCE(MAX(version), 0) FROM schema_version", null, cancellationToken).ConfigureAwait(false);
                if (before < 0)
                {
                    before = current;
                }

                if (current > latest)
                {
                    EngineDataLog.SchemaNewer(database.Options.Logger, database.Description, current, latest);
                    throw new SanpoolException(
                        EngineErrors.DbSchemaNewer,
                        $"the database {database.Description} is at schema version {current}, newer than this engine's {latest}: " +
                        "it was used by a newer sanpool-engine; run that version, or restore a backup made before the upgrade");
                }

                var next = migrations.FirstOrDefault(m => m.Version > current);
                if (next is null)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    if (applied.Count == 0)
                    {
                        EngineDataLog.SchemaCurrent(database.Options.Logger, database.Description, current);
                    }

                    return new SchemaMigrationResult(before, current, applied);
                }

                await ApplyAsync(database, session, transaction, next, cancellationToken).ConfigureAwait(false);
                applied.Add(next.Version);
            }
        }
    }

    private static async Task ApplyAsync(EngineDatabase database, DbSession session, System.Data.Common.DbTransaction transaction, SchemaMigration migration, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await session.ExecuteAsync(database.Dialect.Substitute(migration.Script), null, cancellationToken).ConfigureAwait(false);
            await session.ExecuteAsync(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (@version, @name, @now)",
                new { version = migration.Version, name = migration.Name, now = session.Now },
                cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or SanpoolException)
        {
            throw new SanpoolException(
                EngineErrors.DbMigrationFailed,
                $"{database.Description}: migration {migration.Version:D4}_{migration.Name} failed and was rolled back: {e.Message}",
                innerException: e);
        }

        EngineDataLog.MigrationApplied(database.Options.Logger, database.Description, migration.Version, migration.Name, watch.ElapsedMilliseconds);
    }

    private static List<SchemaMigration> LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<SchemaMigration>();
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            // NNNN_name.sql
            string file = resource[ResourcePrefix.Length..];
            int underscore = file.IndexOf('_', StringComparison.Ordinal);
            int version = int.Parse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture);
            string name = Path.GetFileNameWithoutExtension(file[(underscore + 1)..]);
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded migration {resource} cannot be read");
            using var reader = new StreamReader(stream);
            migrations.Add(new SchemaMigration(version, name, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"embedded migrations must be numbered 1, 2, 3, ... without gaps; found {string.Join(", ", migrations.Select(m => m.Version))}");
            }
        }

        return migrations.Count > 0 ? migrations : throw new InvalidOperationException("no embedded migrations");
    }
}
