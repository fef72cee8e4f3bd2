using System.Reflection;
using Xunit.Sdk;

namespace Sanpool.Engine.Tests.Data;

/// <summary>Runs a theory once on SQLite and once on PostgreSQL: its one parameter is "sqlite" or "postgres".</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BothDatabasesAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[TestDatabase.Sqlite], [TestDatabase.Postgres]];
}
