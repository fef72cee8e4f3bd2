namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// The test classes that use an engine database. They share one PostgreSQL server
/// (<see cref="PostgresFixture"/>), which xunit can stop at the end only for a collection;
/// so they run one class after another, each test on a database of its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OnePostgresServer : ICollectionFixture<PostgresFixture>
{
    public const string Name = "Engine databases, one PostgreSQL server";
}
