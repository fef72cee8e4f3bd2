using Microsoft.Extensions.Hosting;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// At start, takes up the jobs the last engine left STARTED (<see cref="StorageJobs.RecoverAsync"/>);
/// at stop, lets the running ones go (they stay STARTED, and the next start takes them up).
/// </summary>
public sealed class JobRecovery(StorageJobs jobs) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        await jobs.RecoverAsync(cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await jobs.StopAsync().ConfigureAwait(false);
}
