using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Vms;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// Keeps the run state of the VMs the hosts run (<c>vm_dynamic</c>), one round after each of
/// <see cref="HostMonitor"/>'s: per host running VMs, <c>vm.list</c>, then <c>vm.status</c> of
/// each VM it still runs (<see cref="AgentVmState"/> maps qemu's state):
/// <list type="bullet">
/// <item>Up, Paused (ENOSPC when paused for lack of space), PoweringUp, with an event when that changes;</item>
/// <item>a VM the host does not run, or whose qemu ended (the guest powered off, qemu exited),
/// is Down with why; the host is asked to stop it and tear its image down;</item>
/// <item>a host that does not answer leaves its VMs Unknown (they may run: their volumes stay
/// untouchable) until it answers again.</item>
/// </list>
/// A VM a job holds (WaitForLaunch, PoweringDown) is the job's; every write is a compare and
/// set against the state the round read, so a start or stop in between is never undone.
/// </summary>
public sealed class VmMonitor(EngineDatabase db, IAgentCaller agents, EngineConfig config, ILogger<VmMonitor> logger)
{
    /// <summary>One round over every VM a host runs.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var busy = await db.Jobs.ListBusyEntitiesAsync(cancellationToken).ConfigureAwait(false);
        var running = (await db.Vms.ListRunningAsync(cancellationToken).ConfigureAwait(false))
            .Where(v => v.Status is not (VmStatus.WaitForLaunch or VmStatus.PoweringDown) && !busy.Contains(v.VmGuid))
            .ToList();
        if (running.Count == 0)
        {
            return;
        }

        var hosts = (await db.Hosts.ListAllViewsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.Static.VdsId);
        // A VM whose host was removed (run_on_vds set NULL with it) has no host to ask: Down.
        foreach (var group in running.GroupBy(v => v.RunOnVds ?? Guid.Empty))
        {
            await PollHostAsync(hosts.GetValueOrDefault(group.Key)?.Static, [.. group], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PollHostAsync(VdsStatic? host, List<VmDynamic> vms, CancellationToken cancellationToken)
    {
        if (host is null)
        {
            foreach (var vm in vms)
            {
                await RecordAsync(vm, null, VmStatus.Down, null, "its host was removed from the engine", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var link = new AgentLink(host.AgentAddress, host.AgentToken);
        var timeout = HostMonitor.StatusTimeout(config);
        IReadOnlyList<string> names;
        try
        {
            names = await agents.CallAsync(link, AgentVerbs.VmList, new VmListRequest(), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
        {
            foreach (var vm in vms.Where(v => v.Status != VmStatus.Unknown))
            {
                await RecordAsync(vm, host, VmStatus.Unknown, null, $"host {host.VdsName} did not answer ({e.OneLine})", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        foreach (var vm in vms)
        {
            string name = AgentVmState.AgentName(vm.VmGuid);
            VmStatusReply? reply = null;
            if (names.Contains(name))
            {
                try
                {
                    reply = await agents.CallAsync(link, AgentVerbs.VmStatus, new VmStatusRequest(name), timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested && e.Code == CommonErrors.NotFound)
                {
                    // Stopped between the list and the status: down.
                }
                catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
                {
                    VmRunLog.RoundFailed(logger, $"host {host.VdsName}: vm.status {name}: {e.OneLine}");
                    continue;
                }
            }

            if (reply is null)
            {
                await RecordAsync(vm, host, VmStatus.Down, null, $"host {host.VdsName} does not run it", cancellationToken).ConfigureAwait(false);
                continue;
            }

            var (status, pause, gone) = AgentVmState.Of(reply);
            if (gone)
            {
                await StopGoneAsync(link, host, vm.VmGuid, name, timeout, cancellationToken).ConfigureAwait(false);
                await RecordAsync(vm, host, VmStatus.Down, null, AgentVmState.ExitMessage(reply, host.VdsName), cancellationToken).ConfigureAwait(false);
            }
            else if (status != vm.Status || pause != vm.PauseReason)
            {
                await RecordAsync(vm, host, status, pause, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>qemu ended: the host kills what is left and stops serving the image, so that its volumes are free.</summary>
    private async Task StopGoneAsync(AgentLink link, VdsStatic host, Guid vmId, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await agents.CallAsync(link, AgentVerbs.VmStop, new VmStopRequest(name), timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
        {
            VmRunLog.CleanupFailed(logger, host.VdsName, vmId, e.OneLine);
        }
    }

    private async Task RecordAsync(VmDynamic seen, VdsStatic? host, VmStatus status, string? pause, string? why, CancellationToken cancellationToken)
    {
        if (!await db.Vms.TrySetRunStateAsync(seen, status, pause, status == VmStatus.Down ? why : null, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var vm = await db.Vms.GetAsync(seen.VmGuid, cancellationToken).ConfigureAwait(false);
        string name = vm?.VmName ?? seen.VmGuid.ToString();
        VmRunLog.Changed(logger, seen.VmGuid, name, status.ToString(), why ?? pause ?? "as its host says");
        var (type, severity, message) = (status, pause) switch
        {
            (VmStatus.Down, _) => (EngineEventType.VM_DOWN, AuditLogSeverity.NORMAL, $"VM {name} is down: {why}"),
            (VmStatus.Paused, AgentVmState.NoSpace) => (EngineEventType.VM_PAUSED_ENOSPC, AuditLogSeverity.ERROR, $"VM {name} has been paused due to no Storage space error"),
            (VmStatus.Paused, _) => (EngineEventType.VM_PAUSED, AuditLogSeverity.WARNING, $"VM {name} has been paused"),
            (VmStatus.Unknown, _) => (EngineEventType.VM_NOT_RESPONDING, AuditLogSeverity.WARNING, $"VM {name} is not responding: {why}"),
            (VmStatus.Up, _) when seen.Status == VmStatus.Paused => (EngineEventType.VM_RECOVERED_FROM_PAUSE_ERROR, AuditLogSeverity.NORMAL, $"VM {name} has recovered from paused back to up"),
            _ => ((EngineEventType?)null, AuditLogSeverity.NORMAL, ""),
        };
        if (type is { } t)
        {
            await EngineEvents.VmAsync(db, t, severity, message, seen.VmGuid, name, host, cancellationToken).ConfigureAwait(false);
        }
    }
}
