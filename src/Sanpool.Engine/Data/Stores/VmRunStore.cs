using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// The transactions of a VM's start and stop (<see cref="Sanpool.Engine.Jobs.VmRunJobs"/>). The
/// VM's lock is its run state, as in oVirt: WaitForLaunch while a start brings it up on its
/// host, PoweringDown while a stop takes it down; both are not Down, so no snapshot, merge,
/// move, removal or template touches its volumes meanwhile (VM_IS_RUNNING), and the job's
/// subjects (the VM and its disks) refuse a second action naming the job.
/// </summary>
public sealed class VmRunStore
{
    private readonly EngineDatabase _db;

    internal VmRunStore(EngineDatabase db) => _db = db;

    /// <summary>
    /// Begins a start on <paramref name="hostId"/>: the VM must be Down and free, its disks free and
    /// OK; it becomes WaitForLaunch on the host, with <paramref name="job"/> written, in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, VM_NOT_DOWN, VM_LOCKED, DISK_LOCKED, DISK_ILLEGAL.</exception>
    public Task BeginStartAsync(Job job, Step step, Guid vmId, IReadOnlyList<Guid> disks, Guid hostId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(disks);
        return _db.TransactAsync(
            async s =>
            {
                var vm = await RunStateAsync(s, vmId, cancellationToken).ConfigureAwait(false);
                if (vm.Status != VmStatus.Down)
                {
                    throw new SanpoolException(EngineErrors.VmNotDown, $"VM {vm.Name} is {vm.Status}{(vm.Host is null ? "" : $" on host {vm.Host}")}: it can start only when Down");
                }

                await RefuseHeldAsync(s, vmId, vm.Name, disks, cancellationToken).ConfigureAwait(false);
                foreach (Guid diskId in disks)
                {
                    var chain = await ImageStore.ListByDiskAsync(s, diskId, cancellationToken).ConfigureAwait(false);
                    if (chain.FirstOrDefault(i => i.ImageStatus != ImageStatus.OK) is { } bad)
                    {
                        throw new SanpoolException(
                            bad.ImageStatus == ImageStatus.ILLEGAL ? EngineErrors.DiskIllegal : EngineErrors.DiskLocked,
                            $"disk {diskId} of VM {vm.Name} has volume {bad.ImageGuid} {bad.ImageStatus}: reconcile the disk first");
                    }
                }

                await s.ExecuteAsync(
                    "UPDATE vm_dynamic SET status = @status, run_on_vds = @hostId, pause_reason = NULL, exit_message = NULL, last_start_time = @now WHERE vm_guid = @vmId",
                    new { vmId, hostId, status = VmStatus.WaitForLaunch, now = s.Now },
                    cancellationToken).ConfigureAwait(false);
                await VmJobStore.InsertJobAsync(s, job, [step], vmId, disks, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Begins a stop: the VM must not be Down and no job may hold it; it becomes PoweringDown on
    /// its host (returned, null if the engine knows none) with <paramref name="job"/> written, in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, VM_NOT_RUNNING, VM_LOCKED.</exception>
    public Task<Guid?> BeginStopAsync(Job job, Step step, Guid vmId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return _db.TransactAsync<Guid?>(
            async s =>
            {
                var vm = await RunStateAsync(s, vmId, cancellationToken).ConfigureAwait(false);
                if (vm.Status == VmStatus.Down)
                {
                    throw new SanpoolException(EngineErrors.VmNotRunning, $"VM {vm.Name} is Down already");
                }

                await RefuseHeldAsync(s, vmId, vm.Name, [], cancellationToken).ConfigureAwait(false);
                await s.ExecuteAsync(
                    "UPDATE vm_dynamic SET status = @status WHERE vm_guid = @vmId",
                    new { vmId, status = VmStatus.PoweringDown },
                    cancellationToken).ConfigureAwait(false);
                await VmJobStore.InsertJobAsync(s, job, [step], vmId, [], cancellationToken).ConfigureAwait(false);
                return vm.HostId;
            },
            cancellationToken);
    }

    /// <summary>A start's or stop's end: the VM Up (or Paused) on <paramref name="hostId"/>, or Down with why.</summary>
    public Task EndAsync(Guid vmId, VmStatus status, Guid? hostId, string? pauseReason, string? exitMessage, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                bool down = status == VmStatus.Down;
                await s.ExecuteAsync(
                    "UPDATE vm_dynamic SET status = @status, run_on_vds = @host, pause_reason = @pause, exit_message = @exit" +
                    (down ? ", last_stop_time = @now" : "") + " WHERE vm_guid = @vmId",
                    new { vmId, status, host = down ? null : hostId, pause = down ? null : pauseReason, exit = down ? exitMessage : null, now = s.Now },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>The VM's run state, its vm_dynamic row locked for the transaction (two starts at once: the second waits, then sees the first's).</summary>
    private static async Task<RunRow> RunStateAsync(DbSession s, Guid vmId, CancellationToken cancellationToken)
    {
        await s.QueryAsync($"SELECT vm_guid FROM vm_dynamic WHERE vm_guid = @vmId{s.Dialect.ForUpdate}", new { vmId }, r => r.Uuid("vm_guid"), cancellationToken).ConfigureAwait(false);
        return await s.QuerySingleOrDefaultAsync(
            "SELECT v.vm_name, d.status, d.run_on_vds, h.vds_name FROM vm_static v JOIN vm_dynamic d ON d.vm_guid = v.vm_guid " +
            "LEFT JOIN vds_static h ON h.vds_id = d.run_on_vds WHERE v.vm_guid = @vmId AND v.entity_type = @vmType",
            new { vmId, vmType = nameof(VmEntityType.VM) },
            r => new RunRow(r.Text("vm_name"), r.Coded<VmStatus>("status"), r.UuidOrNull("run_on_vds"), r.TextOrNull("vds_name")),
            cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.VmNotFound, $"VM {vmId} does not exist");
    }

    private static async Task RefuseHeldAsync(DbSession s, Guid vmId, string name, IEnumerable<Guid> disks, CancellationToken cancellationToken)
    {
        if (await JobStore.RunningJobOfAsync(s, vmId, cancellationToken).ConfigureAwait(false) is { } holder)
        {
            throw new SanpoolException(EngineErrors.VmLocked, $"VM {name} is locked by job {holder.JobId} ({holder.Description}), started {holder.StartTime:u}");
        }

        foreach (Guid diskId in disks)
        {
            if (await JobStore.RunningJobOfAsync(s, diskId, cancellationToken).ConfigureAwait(false) is { } diskHolder)
            {
                throw new SanpoolException(EngineErrors.DiskLocked, $"disk {diskId} of VM {name} is locked by job {diskHolder.JobId} ({diskHolder.Description})");
            }
        }
    }

    private sealed record RunRow(string Name, VmStatus Status, Guid? HostId, string? Host);
}
