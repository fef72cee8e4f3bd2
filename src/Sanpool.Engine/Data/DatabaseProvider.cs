namespace Sanpool.Engine.Data;

/// <summary>The two databases the engine runs on.</summary>
public enum DatabaseProvider
{
    /// <summary>Embedded, one file in the engine's data directory: the default.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server, for real deployments.</summary>
    Postgres,
}
