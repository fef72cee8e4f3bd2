using Sanpool.Core;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// The daemon's lockspaces: joining (add_lockspace), leaving (rem_lockspace), and what happens
/// when one fails.
/// </summary>
internal sealed class LockspaceRegistry(DaemonServices s)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JoinedLockspace> _lockspaces = new(StringComparer.Ordinal);

    public IReadOnlyList<JoinedLockspace> All()
    {
        lock (_lock)
        {
            return [.. _lockspaces.Values.OrderBy(l => l.Name, StringComparer.Ordinal)];
        }
    }

    public JoinedLockspace? Find(string name)
    {
        lock (_lock)
        {
            return _lockspaces.GetValueOrDefault(name);
        }
    }

    /// <summary>The lockspace, if resources may be acquired in it now; NO_LOCKSPACE or LOCKSPACE_FAILED otherwise.</summary>
    public JoinedLockspace Usable(string name)
    {
        var j = Find(name) ?? throw new SanpoolException(LeaseErrors.NoLockspace, $"lockspace {name} is not joined on host '{s.HostName}' (add_lockspace first)");
        return j.State switch
        {
            LockspaceState.Joined when j.IsUsable => j,
            LockspaceState.Joining => throw new SanpoolException(LeaseErrors.NoLockspace, $"lockspace {name} is still being joined", isTransient: true),
            LockspaceState.Leaving => throw new SanpoolException(LeaseErrors.NoLockspace, $"lockspace {name} is being removed"),
            _ => throw new SanpoolException(LeaseErrors.LockspaceFailed, $"lockspace {name} has failed: {j.FailReason}"),
        };
    }

    /// <summary>Acquires our host id in the lockspace and keeps renewing it.</summary>
    public async Task<JoinedLockspace> JoinAsync(LeaseSpec spec, int ioTimeoutSeconds, CancellationToken cancellationToken)
    {
        var j = new JoinedLockspace(spec, ioTimeoutSeconds);
        lock (_lock)
        {
            if (_lockspaces.TryGetValue(spec.Lockspace, out var existing))
            {
                throw new SanpoolException(LeaseDaemonErrors.LockspaceExists,
                    $"lockspace {spec.Lockspace} is already {existing.State.ToString().ToLowerInvariant()} on host '{s.HostName}' as host id {existing.HostId}");
            }

            _lockspaces.Add(spec.Lockspace, j);
        }

        DaemonLog.Joining(s.Logger, s.HostName, spec.Lockspace, spec.HostId, spec.Path, spec.Offset, ioTimeoutSeconds);
        try
        {
            j.Device = s.Options.Opener(spec.Path);
            var io = j.Timeouts.IoTimeout;
            var disk = await LeaseDevices.OpenAreaAsync(j.Device, spec.Offset, io, cancellationToken).ConfigureAwait(false);
            DeltaLease.CheckHostId(disk, spec.HostId);
            var options = new LockspaceOptions(disk, spec.Lockspace, spec.HostId, s.HostName)
            {
                Timeouts = j.Timeouts,
                Clock = s.Clock,
                Logger = s.LeaseLogger,
            };
            var ls = await Lockspace.JoinAsync(options, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                j.Lockspace = ls;
                j.State = LockspaceState.Joined;
            }

            ls.Failed += (_, reason) => OnFailed(j, reason);
            if (ls.IsFailed)
            {
                OnFailed(j, "failed as it was joined");
            }

            DaemonLog.Joined(s.Logger, s.HostName, spec.Lockspace, spec.HostId, ls.Generation);
            return j;
        }
        catch
        {
            await ForgetAsync(j).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Leaves a lockspace. Refused (LOCKSPACE_BUSY) while clients hold resources in it, unless
    /// forced: then they are fenced (SIGTERM, SIGKILL after the grace) and their resources
    /// released once they are gone, before the host id is released.
    /// </summary>
    public async Task LeaveAsync(string name, bool force, CancellationToken cancellationToken)
    {
        var j = Find(name) ?? throw new SanpoolException(LeaseErrors.NoLockspace, $"lockspace {name} is not joined on host '{s.HostName}'");
        var holders = s.Clients.HoldersIn(j);
        lock (_lock)
        {
            if (j.State is LockspaceState.Joining or LockspaceState.Leaving)
            {
                throw new SanpoolException(LeaseDaemonErrors.LockspaceBusy, $"lockspace {name} is {j.State.ToString().ToLowerInvariant()}", isTransient: true);
            }

            if (holders.Count > 0 && !force)
            {
                throw new SanpoolException(LeaseDaemonErrors.LockspaceBusy,
                    $"lockspace {name} has resources held by pid(s) {string.Join(", ", holders.Select(h => h.Pid))} (force to kill them)");
            }

            if (j.State == LockspaceState.Joined)
            {
                j.State = LockspaceState.Leaving;
            }
        }

        // Acquisitions that started before Leaving fail at attach and release what they got;
        // holders (forced) are fenced and release when they are gone. Wait for all of it.
        while (s.Clients.IsReservedIn(name))
        {
            foreach (var c in s.Clients.HoldersIn(j))
            {
                s.Fencer.Fence(c, $"lockspace {name} removed by force", now: false);
            }

            await s.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }

        await ShutAsync(j).ConfigureAwait(false);
    }

    /// <summary>At daemon shutdown, after every client is done: leave every lockspace that can be left.</summary>
    public async Task StopAllAsync()
    {
        foreach (var j in All())
        {
            await ShutAsync(j).ConfigureAwait(false);
        }
    }

    /// <summary>A failed lockspace whose last holder is gone is dropped, so it can be added again.</summary>
    public async Task RemoveIfFailedAndUnusedAsync(JoinedLockspace j)
    {
        if (j.State != LockspaceState.Failed || s.Clients.IsReservedIn(j.Name))
        {
            return;
        }

        lock (_lock)
        {
            if (!_lockspaces.TryGetValue(j.Name, out var current) || current != j)
            {
                return;
            }

            _lockspaces.Remove(j.Name);
        }

        DaemonLog.FailedLockspaceRemoved(s.Logger, s.HostName, j.Name, j.HostId);
        await DisposeAsync(j).ConfigureAwait(false);
    }

    /// <summary>Marks a holder of a failed lockspace for fencing (also used when one slipped in as it failed).</summary>
    public void FenceHolder(JoinedLockspace j, RegisteredClient client) =>
        s.Fencer.Fence(client, $"lockspace {j.Name} failed: {j.FailReason}", now: false);

    /// <summary>
    /// Renewal failed for id_renewal_fail (or our record was overwritten). Other hosts may take
    /// our leases from host_dead on, which is later by the watchdog margin: in that time every
    /// holder must be dead. Nothing of this lockspace is released on disk from now on: the
    /// leases expire with the host id.
    /// </summary>
    private void OnFailed(JoinedLockspace j, string reason)
    {
        lock (_lock)
        {
            if (j.State == LockspaceState.Failed)
            {
                return;
            }

            j.State = LockspaceState.Failed;
            j.FailReason = reason;
        }

        var holders = s.Clients.HoldersIn(j);
        DaemonLog.LockspaceFailed(s.Logger, s.HostName, j.Name, j.HostId, reason, holders.Count);
        foreach (var c in holders)
        {
            FenceHolder(j, c);
        }

        if (holders.Count == 0)
        {
            s.Tasks.Run($"drop failed lockspace {j.Name}", () => RemoveIfFailedAndUnusedAsync(j));
        }
    }

    private async Task ShutAsync(JoinedLockspace j)
    {
        var ls = j.Lockspace;
        if (ls is not null && !ls.IsFailed && j.State != LockspaceState.Failed)
        {
            if (j.UnsafeLeases > 0)
            {
                DaemonLog.NotLeft(s.Logger, s.HostName, j.Name, j.HostId, $"{j.UnsafeLeases} lease(s) of fenced holders were never seen released");
            }
            else
            {
                try
                {
                    await ls.LeaveAsync(CancellationToken.None).ConfigureAwait(false);
                    DaemonLog.Left(s.Logger, s.HostName, j.Name, j.HostId);
                }
                catch (SanpoolException e)
                {
                    DaemonLog.NotLeft(s.Logger, s.HostName, j.Name, j.HostId, e.OneLine);
                }
            }
        }

        await ForgetAsync(j).ConfigureAwait(false);
    }

    private async Task ForgetAsync(JoinedLockspace j)
    {
        lock (_lock)
        {
            if (_lockspaces.TryGetValue(j.Name, out var current) && current == j)
            {
                _lockspaces.Remove(j.Name);
            }
        }

        await DisposeAsync(j).ConfigureAwait(false);
    }

    private static async Task DisposeAsync(JoinedLockspace j)
    {
        if (j.Lockspace is { } ls)
        {
            await ls.DisposeAsync().ConfigureAwait(false);
        }

        if (j.Device is { } device)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }
    }
}
