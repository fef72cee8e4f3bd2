using Microsoft.Extensions.Hosting;

namespace Sanpool.Engine;

/// <summary>
/// The web host's lifetime: nothing. The default console lifetime would catch SIGTERM and
/// SIGINT itself; the engine's caller owns the signals (the CLI cancels the token
/// <see cref="EngineApp.RunAsync"/> waits on) and stops the host in order.
/// </summary>
internal sealed class EngineLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
