using Microsoft.Extensions.Hosting;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// At start, takes up the jobs the last engine left STARTED (<see cref="StorageJobs.RecoverAsync"/>
/// for disks, <see cref="VmJobs.RecoverAsync"/> for VM snapshots,
/// <see cref="DiskCopyJobs.RecoverAsync"/> for copies and moves,
/// <see cref="TemplateJobs.RecoverAsync"/> for templates,
/// <see cref="TemplateVmJobs.RecoverAsync"/> for VMs made from them,
/// <see cref="VmRunJobs.RecoverAsync"/> for VM starts and stops and
/// <see cref="DomainActions.RecoverAsync"/> for a data center's domains); at stop, lets the running ones
/// go (they stay STARTED, and the next start takes them up).
/// </summary>
public sealed class JobRecovery(StorageJobs disks, VmJobs vms, DiskCopyJobs copies, TemplateJobs templates, TemplateVmJobs clones, VmRunJobs runs, DomainActions domains, JobRunner runner) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await disks.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await vms.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await copies.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await templates.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await clones.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await runs.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await domains.RecoverAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken) =>
        await runner.StopAsync().ConfigureAwait(false);
}
