namespace Sanpool.Engine.Data;

/// <summary>What a start's migration did: the versions before and after, and those it applied (none on a second start).</summary>
public sealed record SchemaMigrationResult(int VersionBefore, int VersionAfter, IReadOnlyList<int> Applied);
