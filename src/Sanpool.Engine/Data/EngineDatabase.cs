using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sanpool.Core;
using Sanpool.Engine.Data.Stores;

namespace Sanpool.Engine.Data;

/// <summary>
/// The engine's database: embedded SQLite (one file, the default) or PostgreSQL. It opens
/// connections, runs work in a transaction, migrates the schema (<see cref="MigrateAsync"/>,
/// at every start) and holds one store per group of tables.
/// </summary>
/// <remarks>
/// SQLite runs in WAL mode (readers never wait for the writer), with foreign keys on and a
/// busy timeout; its transactions start with BEGIN IMMEDIATE, so a transaction that reads and
/// then writes never fails half way on another writer's lock: it waits for it at the start.
/// PostgreSQL transactions are READ COMMITTED; where a store reads then writes it locks the
/// rows it read (<see cref="SqlDialect.ForUpdate"/>).
/// </remarks>
public sealed class EngineDatabase : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly IAsyncDisposable? _owned;
    private readonly string? _sqliteConnectionString;

    private EngineDatabase(
        SqlDialect dialect,
        string description,
        Func<CancellationToken, Task<DbConnection>> open,
        EngineDatabaseOptions options,
        IAsyncDisposable? owned,
        string? sqliteConnectionString)
    {
        DapperTypeHandlers.EnsureRegistered();
        Dialect = dialect;
        Description = description;
        Options = options;
        _open = open;
        _owned = owned;
        _sqliteConnectionString = sqliteConnectionString;
        Pools = new PoolStore(this);
        Hosts = new HostStore(this);
        Vms = new VmStore(this);
        Disks = new DiskStore(this);
        Images = new ImageStore(this);
        Snapshots = new SnapshotStore(this);
        Jobs = new JobStore(this);
        DiskJobs = new DiskJobStore(this);
        VmJobs = new VmJobStore(this);
        VmRuns = new VmRunStore(this);
        DomainJobs = new DomainJobStore(this);
        Templates = new TemplateStore(this);
        AuditLog = new AuditLogStore(this);
        Users = new UserStore(this);
    }

    public DatabaseProvider Provider => Dialect.Provider;

    public SqlDialect Dialect { get; }

    /// <summary>Which database this is, for messages: the SQLite file, or the PostgreSQL host and database (never a password).</summary>
    public string Description { get; }

    public EngineDatabaseOptions Options { get; }

    public TimeProvider Clock => Options.Clock;

    /// <summary>Data centers, their domains and what is attached where.</summary>
    public PoolStore Pools { get; }

    public HostStore Hosts { get; }

    public VmStore Vms { get; }

    public DiskStore Disks { get; }

    public ImageStore Images { get; }

    public SnapshotStore Snapshots { get; }

    public JobStore Jobs { get; }

    /// <summary>The transactions that begin and end the disk jobs.</summary>
    public DiskJobStore DiskJobs { get; }

    /// <summary>The transactions of the VM jobs: a VM defined with its disks, snapshots taken and removed.</summary>
    public VmJobStore VmJobs { get; }

    /// <summary>The transactions of a VM's start and stop: its run state as their lock.</summary>
    public VmRunStore VmRuns { get; }

    /// <summary>A data center's storage domain actions: the domain's status in it as their lock.</summary>
    public DomainJobStore DomainJobs { get; }

    /// <summary>Templates (<c>vm_static</c> rows of entity_type TEMPLATE with their disks) and the transactions of their jobs.</summary>
    public TemplateStore Templates { get; }

    public AuditLogStore AuditLog { get; }

    public UserStore Users { get; }

    /// <summary>Opens (creating if need be) the SQLite database in file <paramref name="path"/>.</summary>
    public static EngineDatabase OpenSqlite(string path, EngineDatabaseOptions? options = null)
    {
        options ??= EngineDatabaseOptions.Default;
        string connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(path),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)options.BusyTimeout.TotalSeconds,
        }.ToString();
        string pragmas = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");

        async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var connection = new SqliteConnection(connectionString);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                using var command = connection.CreateCommand();
                command.CommandText = pragmas;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return new EngineDatabase(SqlDialect.Sqlite, $"sqlite:{Path.GetFullPath(path)}", OpenAsync, options, owned: null, connectionString);
    }

    /// <summary>Connects to PostgreSQL with <paramref name="connectionString"/> (Npgsql's keywords).</summary>
    public static EngineDatabase OpenPostgres(string connectionString, EngineDatabaseOptions? options = null)
    {
        options ??= EngineDatabaseOptions.Default;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.CommandTimeout == new NpgsqlConnectionStringBuilder().CommandTimeout)
        {
            builder.CommandTimeout = (int)options.BusyTimeout.TotalSeconds;
        }

        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        string description = $"postgres:{builder.Host}/{builder.Database}";

        async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        return new EngineDatabase(SqlDialect.Postgres, description, OpenAsync, options, dataSource, sqliteConnectionString: null);
    }

    /// <summary>Brings the schema to this engine's version; see <see cref="SchemaMigrator"/>.</summary>
    public Task<SchemaMigrationResult> MigrateAsync(CancellationToken cancellationToken) =>
        SchemaMigrator.MigrateAsync(this, cancellationToken);

    /// <summary>An open connection the caller disposes. DB_UNREACHABLE (transient) if it cannot be opened.</summary>
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _open(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or IOException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            throw new SanpoolException(EngineErrors.DbUnreachable, $"cannot open the database {Description}: {e.Message}", isTransient: true, e);
        }
    }

    /// <summary>Runs <paramref name="work"/> on one connection, outside any transaction (reads).</summary>
    public async Task<T> ReadAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await work(new DbSession(Dialect, connection, null, Clock)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction, committed if it returns, rolled back if
    /// it throws. Deferred constraints are checked at the commit, so it can throw there too.
    /// </summary>
    public async Task<T> TransactAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                T result = await work(new DbSession(Dialect, connection, transaction, Clock)).ConfigureAwait(false);
                try
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DbException e) when (SqlDialect.Translate(e) is { } error)
                {
                    throw error;
                }

                return result;
            }
        }
    }

    public Task TransactAsync(Func<DbSession, Task> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return TransactAsync(
            async session =>
            {
                await work(session).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>Starts a write transaction: BEGIN IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL.</summary>
    internal static async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (connection is SqliteConnection sqlite)
        {
            // deferred: false is BEGIN IMMEDIATE: the write lock is taken now, waiting up to
            // the busy timeout, rather than at the first write, where it could fail outright.
            return sqlite.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        }

        return await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync().ConfigureAwait(false);
        }

        if (_sqliteConnectionString is not null)
        {
            // Pooled connections keep the file open; a test removing it, or a backup copying
            // it, wants them closed.
            using var connection = new SqliteConnection(_sqliteConnectionString);
            SqliteConnection.ClearPool(connection);
        }
    }
}
