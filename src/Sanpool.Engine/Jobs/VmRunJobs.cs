using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.DataPath;
using Sanpool.Api.Vms;
using Sanpool.Core;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// A VM run on a host and stopped, each as a job (oVirt's RunVm and StopVm):
/// <list type="bullet">
/// <item><see cref="StartAsync"/>: the VM becomes WaitForLaunch on the host given, or on the Up
/// host of its data center running fewest VMs; in the background the host serves its disk
/// (<c>image.prepare</c>) and boots it (<c>vm.start</c>, the kernel and initrd of the config's
/// <c>vms</c>); the VM is then what the host says (Up, or Paused), or Down again with the image
/// torn down if it did not start.</item>
/// <item><see cref="StopAsync"/>: PoweringDown, then <c>vm.stop</c> (qemu killed, the image torn
/// down) and Down.</item>
/// </list>
/// The agent runs one image per VM (vda), so a VM runs with exactly one disk for now
/// (VM_DISKS_UNSUPPORTED otherwise). While the VM is not Down its volumes are not changed
/// (VM_IS_RUNNING, naming its host). After that, <see cref="VmMonitor"/> keeps its status.
/// An engine killed during a start or stop leaves WaitForLaunch or PoweringDown and a STARTED
/// job; <see cref="RecoverAsync"/> asks the host and settles both.
/// </summary>
public sealed class VmRunJobs(JobRunner runner, IAgentCaller agents, EngineConfig config, ILogger<VmRunJobs> logger)
{
    public const string StartAction = "RunVm";
    public const string StopAction = "StopVm";

    /// <summary>How long image.prepare or vm.start may take on the host (activating LVs, serving them, launching qemu).</summary>
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(90);
    private const string Recovered = " (finished after an engine restart)";

    /// <summary>Starts a job that runs the VM on <paramref name="host"/> (an id or name; null: any Up host); returns once the VM is WaitForLaunch.</summary>
    /// <exception cref="SanpoolException">VMS_NOT_CONFIGURED, VM_NOT_FOUND, VM_DISKS_UNSUPPORTED, VM_NOT_DOWN, VM_LOCKED, DISK_LOCKED, DISK_ILLEGAL, HOST_NOT_FOUND, HOST_STATE_CONFLICT, NO_HOST_UP, STORAGE_DOMAIN_STATE_CONFLICT.</exception>
    public async Task<Job> StartAsync(Guid vmId, string? host, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var boot = config.Vms ?? throw new SanpoolException(
            EngineErrors.VmsNotConfigured, "the engine config has no \"vms\" section (the kernel and initrd the hosts boot VMs with): add it and restart the engine");
        var db = runner.Db;
        var vm = await GetVmAsync(vmId, cancellationToken).ConfigureAwait(false);
        var disks = await db.Vms.ListDisksAsync(vmId, cancellationToken).ConfigureAwait(false);
        if (disks.Count != 1)
        {
            throw new SanpoolException(
                EngineErrors.VmDisksUnsupported, $"VM {vm.VmName} has {disks.Count} disks: a host runs a VM with exactly one disk (its agent serves one image per VM)");
        }

        Guid diskId = disks[0].DiskId;
        Guid domainId = await runner.Hosts.DomainOfDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var (pool, _) = await runner.Hosts.RouteAsync(domainId, cancellationToken).ConfigureAwait(false);
        var target = await PickHostAsync(pool, host, cancellationToken).ConfigureAwait(false);
        int memory = boot.MemoryMib ?? vm.MemSizeMb;
        if (memory is < EngineConfigLoader.MinGuestMib or > EngineConfigLoader.MaxGuestMib)
        {
            throw new SanpoolException(
                EngineErrors.InvalidVm, $"VM {vm.VmName} has {memory} MiB: a host runs {EngineConfigLoader.MinGuestMib}-{EngineConfigLoader.MaxGuestMib} MiB (or set vms.memory_mib)");
        }

        var now = db.Clock.GetUtcNow();
        var job = JobRunner.NewJob(StartAction, $"Launching VM {vm.VmName} on Host {target.Static.VdsName}", correlationId, ownerId, now);
        var step = JobRunner.NewStep(job, StepType.EXECUTING, $"Starting VM {vm.VmName} with disk {diskId} on host {target.Static.VdsName}", 1, now);
        await db.VmRuns.BeginStartAsync(job, step, vmId, [diskId], target.Static.VdsId, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(
            EngineEventType.USER_STARTED_VM, AuditLogSeverity.NORMAL, $"VM {vm.VmName} was started (Host: {target.Static.VdsName})", job, pool, domainId, vm).ConfigureAwait(false);
        var request = new VmStartRequest(AgentVmState.AgentName(vmId), domainId, diskId, boot.Kernel, boot.Initrd, boot.Append, null, memory);
        runner.Launch(job.JobId, stop => FinishStartAsync(job, step, vm, pool, target.Static, request, stop));
        return job;
    }

    /// <summary>Starts a job that stops the VM on its host; returns once the VM is PoweringDown.</summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, VM_NOT_RUNNING, VM_LOCKED.</exception>
    public async Task<Job> StopAsync(Guid vmId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var db = runner.Db;
        var vm = await GetVmAsync(vmId, cancellationToken).ConfigureAwait(false);
        var now = db.Clock.GetUtcNow();
        var job = JobRunner.NewJob(StopAction, $"Stopping VM {vm.VmName}", correlationId, ownerId, now);
        var step = JobRunner.NewStep(job, StepType.EXECUTING, $"Stopping VM {vm.VmName}", 1, now);
        Guid? hostId = await db.VmRuns.BeginStopAsync(job, step, vmId, cancellationToken).ConfigureAwait(false);
        var host = hostId is { } h ? await db.Hosts.GetAsync(h, cancellationToken).ConfigureAwait(false) : null;
        var pool = await PoolOfAsync(vm, host, cancellationToken).ConfigureAwait(false);
        await EventAsync(EngineEventType.USER_STOPPING_VM, AuditLogSeverity.NORMAL, $"VM {vm.VmName} is being powered off", job, pool, vm).ConfigureAwait(false);
        runner.Launch(job.JobId, stop => FinishStopAsync(job, vm, pool, host, "", stop));
        return job;
    }

    /// <summary>
    /// Takes up every start and stop the last engine left STARTED: the host says whether the VM
    /// runs; a start then ends Up (or Paused) or Down with its image torn down, a stop is done
    /// again. A host that does not answer leaves the VM Unknown on it, for the monitor to settle.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var db = runner.Db;
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([StartAction, StopAction], cancellationToken).ConfigureAwait(false))
        {
            var subjects = await db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var vm = subjects.FirstOrDefault(s => s.EntityType == "VM") is { } subject
                ? await db.Vms.GetAsync(subject.EntityId, cancellationToken).ConfigureAwait(false)
                : null;
            var run = vm is null ? null : await db.Vms.GetDynamicAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false);
            if (vm is null || run is null || run.Status is not (VmStatus.WaitForLaunch or VmStatus.PoweringDown))
            {
                // Nothing of it is left in the rows: only the job's end was not written.
                await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            VmRunLog.Recovering(logger, job.JobId, job.Description, vm.VmName);
            taken++;
            var host = run.RunOnVds is { } h ? await db.Hosts.GetAsync(h, cancellationToken).ConfigureAwait(false) : null;
            var pool = await PoolOfAsync(vm, host, cancellationToken).ConfigureAwait(false);
            if (job.ActionType == StopAction || host is null)
            {
                runner.Launch(job.JobId, stop => FinishStopAsync(job, vm, pool, host, Recovered, stop));
            }
            else
            {
                runner.Launch(job.JobId, stop => SettleStartAsync(job, vm, pool, host, stop));
            }
        }

        return taken;
    }

    private async Task FinishStartAsync(Job job, Step step, VmStatic vm, StoragePool pool, VdsStatic host, VmStartRequest request, CancellationToken stop)
    {
        var link = new AgentLink(host.AgentAddress, host.AgentToken);
        VmStatusReply reply;
        try
        {
            await agents.CallAsync(link, AgentVerbs.ImagePrepare, new ImagePrepareRequest(request.Domain, request.Image), AgentTimeout, stop).ConfigureAwait(false);
            await runner.Db.Jobs.UpdateStepProgressAsync(step.StepId, 50, CancellationToken.None).ConfigureAwait(false);
            reply = await agents.CallAsync(link, AgentVerbs.VmStart, request, AgentTimeout, stop).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            // It may have started though the answer was lost: the host's vm.status decides.
            if (PoolAgents.MayHaveRun(e) && await StatusAsync(link, vm, stop).ConfigureAwait(false) is { } late)
            {
                await EndUpAsync(job, vm, pool, host, late, "").ConfigureAwait(false);
                return;
            }

            await FailStartAsync(job, vm, pool, host, link, e.OneLine, "", stop).ConfigureAwait(false);
            return;
        }

        await EndUpAsync(job, vm, pool, host, reply, "").ConfigureAwait(false);
    }

    /// <summary>A start the last engine left: Up if the host runs the VM, else Down with its image torn down.</summary>
    private async Task SettleStartAsync(Job job, VmStatic vm, StoragePool pool, VdsStatic host, CancellationToken stop)
    {
        var link = new AgentLink(host.AgentAddress, host.AgentToken);
        VmStatusReply? reply;
        try
        {
            reply = await StatusAsync(link, vm, stop).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            await UnknownAsync(job, vm, pool, host, false, e.OneLine).ConfigureAwait(false);
            return;
        }

        if (reply is not null)
        {
            await EndUpAsync(job, vm, pool, host, reply, Recovered).ConfigureAwait(false);
            return;
        }

        await FailStartAsync(job, vm, pool, host, link, "the host does not run it", Recovered, stop).ConfigureAwait(false);
    }

    private async Task EndUpAsync(Job job, VmStatic vm, StoragePool pool, VdsStatic host, VmStatusReply reply, string suffix)
    {
        var (status, pause, gone) = AgentVmState.Of(reply);
        if (gone)
        {
            // Booted and ended at once (a guest that powers off): the monitor stops it and records why.
            status = VmStatus.Up;
        }

        await runner.Db.VmRuns.EndAsync(vm.VmGuid, status, host.VdsId, pause, null, CancellationToken.None).ConfigureAwait(false);
        VmRunLog.Started(logger, vm.VmGuid, vm.VmName, status.ToString(), host.VdsName);
        await runner.EndAsync(job, pool, null, true, EngineEventType.USER_RUN_VM, $"VM {vm.VmName} started on Host {host.VdsName}" + suffix, vm).ConfigureAwait(false);
    }

    private async Task FailStartAsync(Job job, VmStatic vm, StoragePool pool, VdsStatic host, AgentLink link, string error, string suffix, CancellationToken stop)
    {
        VmRunLog.StartFailed(logger, vm.VmGuid, vm.VmName, host.VdsName, error);
        string cleanup = "";
        try
        {
            var disks = await runner.Db.Vms.ListDisksAsync(vm.VmGuid, CancellationToken.None).ConfigureAwait(false);
            if (disks is [var disk, ..])
            {
                Guid domainId = await runner.Hosts.DomainOfDiskAsync(disk.DiskId, CancellationToken.None).ConfigureAwait(false);
                await agents.CallAsync(link, AgentVerbs.ImageTeardown, new ImageTeardownRequest(domainId, disk.DiskId), AgentTimeout, stop).ConfigureAwait(false);
            }
        }
        catch (SanpoolException e) when (!stop.IsCancellationRequested)
        {
            VmRunLog.CleanupFailed(logger, host.VdsName, vm.VmGuid, e.OneLine);
            cleanup = $"; its image may still be served there ({e.OneLine})";
        }

        string why = $"did not start on host {host.VdsName}: {error}";
        await runner.Db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Down, null, null, why, CancellationToken.None).ConfigureAwait(false);
        await runner.EndAsync(job, pool, null, false, EngineEventType.USER_FAILED_RUN_VM, $"Failed to run VM {vm.VmName} on Host {host.VdsName} ({error}){cleanup}" + suffix, vm).ConfigureAwait(false);
    }

    private async Task FinishStopAsync(Job job, VmStatic vm, StoragePool pool, VdsStatic? host, string suffix, CancellationToken stop)
    {
        if (host is not null)
        {
            var link = new AgentLink(host.AgentAddress, host.AgentToken);
            try
            {
                await agents.CallAsync(link, AgentVerbs.VmStop, new VmStopRequest(AgentVmState.AgentName(vm.VmGuid)), AgentTimeout, stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested && e.Code == CommonErrors.NotFound)
            {
                // It was not running there (any more): down is what the stop wanted.
            }
            catch (SanpoolException e) when (!stop.IsCancellationRequested)
            {
                await UnknownAsync(job, vm, pool, host, true, e.OneLine).ConfigureAwait(false);
                return;
            }
        }

        string where = host is null ? "" : $" on host {host.VdsName}";
        await runner.Db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Down, null, null, $"stopped by a user{where}", CancellationToken.None).ConfigureAwait(false);
        VmRunLog.Changed(logger, vm.VmGuid, vm.VmName, nameof(VmStatus.Down), $"stopped{where}");
        await runner.EndAsync(job, pool, null, true, EngineEventType.USER_STOP_VM, $"VM {vm.VmName} powered off{where}" + suffix, vm).ConfigureAwait(false);
    }

    /// <summary>The host did not answer: the VM is Unknown on it (not Down: it may run), the monitor settles it when the host answers.</summary>
    private async Task UnknownAsync(Job job, VmStatic vm, StoragePool pool, VdsStatic host, bool stopping, string error)
    {
        await runner.Db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Unknown, host.VdsId, null, null, CancellationToken.None).ConfigureAwait(false);
        await runner.EndAsync(
            job, pool, null, false, stopping ? EngineEventType.USER_FAILED_STOP_VM : EngineEventType.USER_FAILED_RUN_VM,
            $"VM {vm.VmName} is Unknown: host {host.VdsName} did not answer ({error}); the engine learns its state when the host answers again", vm).ConfigureAwait(false);
    }

    /// <summary>The host's view of the VM; null if it does not run it.</summary>
    private async Task<VmStatusReply?> StatusAsync(AgentLink link, VmStatic vm, CancellationToken stop)
    {
        try
        {
            return await agents.CallAsync(link, AgentVerbs.VmStatus, new VmStatusRequest(AgentVmState.AgentName(vm.VmGuid)), AgentTimeout, stop).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == CommonErrors.NotFound)
        {
            return null;
        }
    }

    /// <summary>The host asked for (by id or name), Up in the VM's data center; else the Up host there running fewest VMs.</summary>
    private async Task<VdsView> PickHostAsync(StoragePool pool, string? wanted, CancellationToken cancellationToken)
    {
        var hosts = await runner.Db.Hosts.ListAllViewsAsync(cancellationToken).ConfigureAwait(false);
        if (wanted is not null)
        {
            var found = (Guid.TryParse(wanted, out Guid id) ? hosts.FirstOrDefault(h => h.Static.VdsId == id) : null)
                ?? hosts.FirstOrDefault(h => h.Static.VdsName == wanted)
                ?? throw new SanpoolException(EngineErrors.HostNotFound, $"no host {wanted}");
            return found.Static.StoragePoolId != pool.Id
                ? throw new SanpoolException(EngineErrors.HostStateConflict, $"host {found.Static.VdsName} is not in data center {pool.Name}, where the VM's disk is")
                : found.Dynamic.Status != VdsStatus.Up
                ? throw new SanpoolException(EngineErrors.HostStateConflict, $"host {found.Static.VdsName} is {found.Dynamic.Status}, not Up")
                : found;
        }

        var running = (await runner.Db.Vms.ListRunningAsync(cancellationToken).ConfigureAwait(false))
            .Where(v => v.RunOnVds is not null).GroupBy(v => v.RunOnVds!.Value).ToDictionary(g => g.Key, g => g.Count());
        return hosts
            .Where(h => h.Static.StoragePoolId == pool.Id && h.Dynamic.Status == VdsStatus.Up)
            .OrderBy(h => running.GetValueOrDefault(h.Static.VdsId))
            .ThenBy(h => h.Static.VdsName, StringComparer.Ordinal)
            .FirstOrDefault()
            ?? throw new SanpoolException(EngineErrors.NoHostUp, $"no host of data center {pool.Name} is Up to run the VM", isTransient: true);
    }

    /// <summary>The data center the VM's events go to: its disk's, else its host's.</summary>
    private async Task<StoragePool> PoolOfAsync(VmStatic vm, VdsStatic? host, CancellationToken cancellationToken)
    {
        var db = runner.Db;
        if (await db.Vms.ListDisksAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false) is [var disk, ..])
        {
            return await runner.Hosts.PoolOfAsync(await runner.Hosts.DomainOfDiskAsync(disk.DiskId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        return host?.StoragePoolId is { } poolId && await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false) is { } pool
            ? pool
            : throw new SanpoolException(EngineErrors.InvalidVm, $"VM {vm.VmName} has no disk and no host: it belongs to no data center");
    }

    private Task<long> EventAsync(EngineEventType type, AuditLogSeverity severity, string message, Job job, StoragePool pool, VmStatic vm) =>
        runner.EventAsync(type, severity, message, job, pool, null, vm);

    private async Task<VmStatic> GetVmAsync(Guid vmId, CancellationToken cancellationToken) =>
        await runner.Db.Vms.GetAsync(vmId, cancellationToken).ConfigureAwait(false) is { EntityType: VmEntityType.VM } vm
            ? vm
            : throw new SanpoolException(EngineErrors.VmNotFound, $"VM {vmId} does not exist");
}
