using Sanpool.TestSupport;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// The one PostgreSQL server of the database tests, started by the first test that needs it
/// (so SQLite tests run on a machine without PostgreSQL) and stopped by xunit when the last
/// test of <see cref="OnePostgresServer"/> is done, while the test host still runs.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly Lazy<Task<PostgresServer>> _server = new(() => PostgresServer.StartAsync());

    /// <summary>The server, started on first use; a failed start fails every test that asks.</summary>
    public Task<PostgresServer> ServerAsync() => _server.Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server.IsValueCreated && _server.Value.IsCompletedSuccessfully)
        {
            await (await _server.Value).DisposeAsync();
        }
    }
}
