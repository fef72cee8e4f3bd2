using Sanpool.Core;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// The registered clients by pid, and every resource this host holds or is acquiring (so two
/// local clients never hold the same one). Decides what happens to a client's resources when
/// its connection closes.
/// </summary>
internal sealed class ClientRegistry(DaemonServices s)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, RegisteredClient> _clients = [];
    private readonly HashSet<ResourceKey> _resources = [];

    public RegisteredClient? Find(int pid)
    {
        lock (_lock)
        {
            return _clients.GetValueOrDefault(pid);
        }
    }

    public IReadOnlyList<RegisteredClient> All()
    {
        lock (_lock)
        {
            return [.. _clients.Values.OrderBy(c => c.Pid)];
        }
    }

    public bool TryAdd(RegisteredClient client)
    {
        lock (_lock)
        {
            return _clients.TryAdd(client.Pid, client);
        }
    }

    /// <summary>Reserves resources for an acquire, all or none; RESOURCE_HELD if one is held or being acquired here.</summary>
    public void Reserve(IReadOnlyList<ResourceKey> keys)
    {
        lock (_lock)
        {
            var taken = keys.FirstOrDefault(_resources.Contains);
            if (taken != default)
            {
                throw new SanpoolException(LeaseDaemonErrors.ResourceHeld,
                    $"{taken} is already held, or being acquired, by a client of this host");
            }

            _resources.UnionWith(keys);
        }
    }

    public void Unreserve(ResourceKey key)
    {
        lock (_lock)
        {
            _resources.Remove(key);
        }
    }

    public bool IsReservedIn(string lockspace)
    {
        lock (_lock)
        {
            return _resources.Any(k => k.Lockspace == lockspace);
        }
    }

    public IReadOnlyList<RegisteredClient> HoldersIn(JoinedLockspace lockspace) =>
        [.. All().Where(c => c.HoldsIn(lockspace))];

    /// <summary>
    /// The client's connection closed: the process exited, was killed, or closed the socket.
    /// Its resources are released, except those in a failed lockspace (left to expire with
    /// the host id). A client that was being fenced must be seen dead first: a process frozen
    /// or hung may still hold the socket through a child, and above all may still run.
    /// </summary>
    public async Task ClosedAsync(RegisteredClient client)
    {
        bool fenced = client.MarkClosed();
        var leases = client.Leases();
        DaemonLog.ClientGone(s.Logger, s.HostName, client.Pid, leases.Count);
        try
        {
            bool dead = !fenced || await WaitDeadAsync(client).ConfigureAwait(false);
            foreach (var lease in client.TakeAll())
            {
                if (dead)
                {
                    await s.Resources.ReleaseOrAbandonAsync(client.Pid, lease, fenced ? $"fenced: {client.FenceReason}" : "client exited").ConfigureAwait(false);
                }
                else
                {
                    await s.Resources.AbandonUnsafeAsync(client.Pid, lease, "fenced holder not seen dead before shutdown").ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _clients.Remove(client.Pid);
            }

            client.MarkFinished();
        }

        foreach (var ls in leases.Select(l => l.Lockspace).Distinct())
        {
            await s.Lockspaces.RemoveIfFailedAndUnusedAsync(ls).ConfigureAwait(false);
        }
    }

    private async Task<bool> WaitDeadAsync(RegisteredClient client)
    {
        try
        {
            await client.Dead.WaitAsync(s.Stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>An explicit release: the lease leaves the client and is released on disk.</summary>
    public async Task ReleaseAsync(RegisteredClient client, IReadOnlyList<ClientLease> leases, string why)
    {
        SanpoolException? first = null;
        foreach (var lease in leases)
        {
            first ??= await s.Resources.ReleaseOrAbandonAsync(client.Pid, lease, why).ConfigureAwait(false);
        }

        foreach (var ls in leases.Select(l => l.Lockspace).Distinct())
        {
            await s.Lockspaces.RemoveIfFailedAndUnusedAsync(ls).ConfigureAwait(false);
        }

        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>Gives leases to a client; if the client left or the lockspace failed meanwhile, gives them up again and throws.</summary>
    public async Task AttachAsync(RegisteredClient client, IReadOnlyList<ClientLease> leases)
    {
        var error = Unusable(leases);
        if (error is null && client.TryAdd(leases))
        {
            // The lockspace may have failed between the check and the add, after its holders
            // were counted for fencing: then this client is a holder the fencer has not seen.
            if (leases.FirstOrDefault(l => l.Lockspace.State == LockspaceState.Failed) is { } late)
            {
                s.Lockspaces.FenceHolder(late.Lockspace, client);
                throw Unusable(leases)!;
            }

            return;
        }

        error ??= new SanpoolException(LeaseDaemonErrors.NotRegistered, $"pid {client.Pid} exited while its resources were being acquired");
        foreach (var lease in leases)
        {
            await s.Resources.ReleaseOrAbandonAsync(client.Pid, lease, "acquired for a client that is gone").ConfigureAwait(false);
        }

        throw error;
    }

    private static SanpoolException? Unusable(IReadOnlyList<ClientLease> leases) =>
        leases.FirstOrDefault(l => !l.Lockspace.IsUsable) is { } broken
            ? new SanpoolException(LeaseErrors.LockspaceFailed,
                $"lockspace {broken.Lockspace.Name} failed or is being removed while {broken.Key} was acquired")
            : null;
}
