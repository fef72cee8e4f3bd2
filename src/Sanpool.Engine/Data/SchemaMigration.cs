namespace Sanpool.Engine.Data;

/// <summary>One embedded migration script, <c>Data/Migrations/NNNN_name.sql</c>: schema version NNNN.</summary>
public sealed record SchemaMigration(int Version, string Name, string Script);
