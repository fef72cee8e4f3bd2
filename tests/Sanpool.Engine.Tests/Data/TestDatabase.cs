using Sanpool.Engine.Data;
using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// A fresh, empty engine database for one test: a SQLite file in a temporary directory, or a
/// new database on the collection's one PostgreSQL server (<see cref="PostgresFixture"/>).
/// Migrated unless asked not to; its clock is a <see cref="FixedClock"/>.
/// </summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private readonly TempDir? _dir;
    private readonly PostgresServer? _server;
    private readonly string _location;
    private readonly List<EngineDatabase> _opened = [];

    private TestDatabase(string provider, string location, TempDir? dir, PostgresServer? server, FixedClock clock)
    {
        Provider = provider;
        _location = location;
        _dir = dir;
        _server = server;
        Clock = clock;
        Database = Open();
    }

    public string Provider { get; }

    public FixedClock Clock { get; }

    public EngineDatabase Database { get; }

    public static async Task<TestDatabase> CreateAsync(string provider, PostgresFixture postgres, bool migrate = true)
    {
        var clock = new FixedClock(Sample.T0.AddHours(1));
        TestDatabase test;
        if (provider == Sqlite)
        {
            var dir = new TempDir("engine-db");
            test = new TestDatabase(provider, dir.File("engine.db"), dir, null, clock);
        }
        else if (provider == Postgres)
        {
            ArgumentNullException.ThrowIfNull(postgres);
            var server = await postgres.ServerAsync();
            test = new TestDatabase(provider, await server.CreateDatabaseAsync(), null, server, clock);
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(provider), provider, "sqlite or postgres");
        }

        if (migrate)
        {
            await test.Database.MigrateAsync(CancellationToken.None);
        }

        return test;
    }

    /// <summary>Another engine's view of the same database (a second start, or a concurrent one); disposed with this.</summary>
    public EngineDatabase Open()
    {
        var options = new EngineDatabaseOptions { Clock = Clock };
        var database = Provider == Sqlite ? EngineDatabase.OpenSqlite(_location, options) : EngineDatabase.OpenPostgres(_location, options);
        _opened.Add(database);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DropDatabaseAsync(_location);
        }

        _dir?.Dispose();
    }
}
