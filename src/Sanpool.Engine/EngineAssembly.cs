namespace Sanpool.Engine;

/// <summary>
/// sanpool-engine, the manager above the hosts (DESIGN.md section 3). Its parts, one folder each:
/// <code>
/// Data/       the database: schema migrations for SQLite and PostgreSQL, one store per table group
/// Security/   the engine's certificate authority, users, password hashes and bearer tokens
/// Web/        the REST API (oVirt v4's shape), ProblemDetails errors, paging, Correlation-Id
/// </code>
/// </summary>
public static class EngineAssembly
{
    /// <summary>The name the engine logs and answers with.</summary>
    public const string Name = "sanpool-engine";
}
