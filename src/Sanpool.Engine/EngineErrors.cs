using Sanpool.Core;

namespace Sanpool.Engine;

/// <summary>
/// Codes of sanpool-engine's database layer, band -1000 .. -1049 (-1050 .. -1099 belong to the
/// engine's web and security codes, in their own file).
/// </summary>
public static class EngineErrors
{
    /// <summary>The database cannot be opened or reached; transient.</summary>
    public static readonly ErrorCode DbUnreachable = new(-1000, "DB_UNREACHABLE");

    /// <summary>The database was migrated by a newer engine than this one: this engine refuses to start on it.</summary>
    public static readonly ErrorCode DbSchemaNewer = new(-1001, "DB_SCHEMA_NEWER");

    /// <summary>A schema migration failed; its transaction was rolled back.</summary>
    public static readonly ErrorCode DbMigrationFailed = new(-1002, "DB_MIGRATION_FAILED");

    /// <summary>No row with that id.</summary>
    public static readonly ErrorCode NotFound = new(-1003, "NOT_FOUND");

    /// <summary>The row exists already, or the entity is in a state that forbids the change (LOCKED, say).</summary>
    public static readonly ErrorCode Conflict = new(-1004, "CONFLICT");

    /// <summary>A row refers to one that does not exist, or breaks a check constraint.</summary>
    public static readonly ErrorCode DbConstraint = new(-1005, "DB_CONSTRAINT");

    /// <summary>All 250 host ids of a pool's lockspace are taken.</summary>
    public static readonly ErrorCode SpmIdsExhausted = new(-1006, "SPM_IDS_EXHAUSTED");
}
