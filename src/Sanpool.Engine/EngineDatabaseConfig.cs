namespace Sanpool.Engine;

/// <summary>
/// The <c>database</c> key of the engine config: embedded SQLite (one file in data_dir, the
/// default) or PostgreSQL through a connection string.
/// </summary>
public sealed record EngineDatabaseConfig
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>"sqlite" (default) or "postgres".</summary>
    public string Provider { get; init; } = Sqlite;

    /// <summary>Npgsql's connection string; required for postgres, refused for sqlite.</summary>
    public string? ConnectionString { get; init; }

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.Ordinal);
}
