using Microsoft.Extensions.Hosting;

namespace Sanpool.Agent.Api;

/// <summary>
/// The API's host lifetime: nothing. The default (console) lifetime would catch SIGTERM and
/// SIGINT and stop the API on its own; the agent owns its signals and stops the API itself.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
