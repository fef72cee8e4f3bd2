using Sanpool.Core;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>Acquires and releases resources on their disks for the daemon's clients.</summary>
internal sealed class ResourceManager(DaemonServices s)
{
    /// <summary>
    /// Opens the resource's device, finds its geometry from its leader, and runs the paxos
    /// acquire as our host in <paramref name="lockspace"/>.
    /// </summary>
    public async Task<ClientLease> AcquireAsync(LeaseSpec spec, JoinedLockspace lockspace, bool shared, bool noWait, CancellationToken cancellationToken)
    {
        var ls = lockspace.Lockspace ?? throw new SanpoolException(LeaseErrors.NoLockspace, $"lockspace {lockspace.Name} is not joined");
        var io = lockspace.Timeouts.IoTimeout;
        var device = s.Options.Opener(spec.Path);
        try
        {
            var disk = await LeaseDevices.OpenAreaAsync(device, spec.Offset, io, cancellationToken).ConfigureAwait(false);
            var options = new PaxosAcquireOptions { Shared = shared, NoWait = noWait, Logger = s.LeaseLogger };
            var held = await PaxosLease.AcquireAsync(disk, ls, spec.Resource, options, cancellationToken).ConfigureAwait(false);
            return new ClientLease(spec, held, lockspace, device);
        }
        catch
        {
            await device.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Gives a lease up: released on disk while its lockspace is sound; left on disk (to expire
    /// with our host id) once the lockspace has failed, because then another host may already
    /// be entitled to it and our writes could collide with its. Never throws.
    /// </summary>
    public async Task<SanpoolException?> ReleaseOrAbandonAsync(int pid, ClientLease lease, string why)
    {
        var ls = lease.Lockspace;
        try
        {
            if (ls.State == LockspaceState.Failed || ls.Lockspace is null or { IsFailed: true })
            {
                DaemonLog.NotReleased(s.Logger, s.HostName, pid, lease.Spec.Lockspace, lease.Spec.Resource, lease.Held.Lver,
                    $"lockspace {ls.Name} failed ({ls.FailReason}); the lease expires with host id {ls.HostId}");
                return null;
            }

            // Every I/O is bounded by io_timeout, so no token: a release must not be abandoned halfway by shutdown.
            await PaxosLease.ReleaseAsync(lease.Held, ls.Lockspace, s.LeaseLogger, CancellationToken.None).ConfigureAwait(false);
            DaemonLog.Released(s.Logger, s.HostName, pid, lease.Spec.Lockspace, lease.Spec.Resource, lease.Held.Lver, why);
            return null;
        }
        catch (SanpoolException e)
        {
            DaemonLog.ReleaseFailed(s.Logger, s.HostName, pid, lease.Spec.Lockspace, lease.Spec.Resource, lease.Held.Lver, e.OneLine);
            return e;
        }
        finally
        {
            s.Clients.Unreserve(lease.Key);
            await lease.Device.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Forgets a lease without touching the disk (a fenced holder not seen dead before shutdown).</summary>
    public async Task AbandonUnsafeAsync(int pid, ClientLease lease, string reason)
    {
        lease.Lockspace.MarkUnsafeLease();
        DaemonLog.NotReleased(s.Logger, s.HostName, pid, lease.Spec.Lockspace, lease.Spec.Resource, lease.Held.Lver, reason);
        s.Clients.Unreserve(lease.Key);
        await lease.Device.DisposeAsync().ConfigureAwait(false);
    }
}
