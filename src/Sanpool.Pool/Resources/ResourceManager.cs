namespace Sanpool.Pool.Resources;

/// <summary>
/// The SPM's locks on what its structural tasks and mailbox extensions touch (VDSM's resource
/// manager, folded to what Sanpool needs): domains, images and new volume ids, each held
/// shared or exclusive by <see cref="ResourceClaim"/>s.
/// <para>
/// <b>No deadlock, by construction.</b> A claim names every resource it will touch before it
/// starts, sorted in the one global order of <see cref="ResourceKey"/>, and is granted all of
/// them in one step or none: no claim ever holds some of its resources while it waits for
/// others, so no cycle of waiters can form. Below the claims there are only two more locks,
/// always taken after a claim and never while waiting for another: a domain's journal slot
/// (<c>DomainWriter.BeginAsync</c>) and a block store's metadata slot (taken under the store's
/// own lock). The full order is: claim -> journal slot -> metadata slot.
/// </para>
/// <para>
/// <b>Fair.</b> Waiting claims queue in arrival order. A claim is granted only if every
/// resource it asks for is free for its mode <i>and</i> no earlier waiting claim wants one of
/// them in a conflicting mode, so a stream of shared claims cannot starve an exclusive one, and
/// a second task on a busy image runs after the first, in submission order. Claims that touch
/// nothing in common pass each other: tasks on different images of one domain run at once.
/// </para>
/// Guarded by <see cref="_lock"/>: <see cref="_held"/>, <see cref="_waiting"/> and every
/// claim's state. Grants complete their claim's task with continuations run asynchronously, so
/// no waiter's code runs under the lock.
/// </summary>
public sealed class ResourceManager
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceKey, List<(ResourceClaim Claim, LockMode Mode)>> _held = [];
    private readonly List<ResourceClaim> _waiting = [];

    /// <summary>Queues a claim for <paramref name="requests"/>; await <see cref="ResourceClaim.WaitAsync"/>, and dispose it to release (or to give up waiting).</summary>
    public ResourceClaim Claim(string owner, IEnumerable<ResourceRequest> requests)
    {
        var claim = new ResourceClaim(this, owner, Normalize(requests));
        lock (_lock)
        {
            _waiting.Add(claim);
            GrantWaiting();
        }

        return claim;
    }

    /// <summary>
    /// Grants <paramref name="requests"/> now if nothing holds or waits for them in a conflicting
    /// mode; otherwise returns null and names what stands in the way in <paramref name="blocker"/>.
    /// </summary>
    public ResourceClaim? TryClaim(string owner, IEnumerable<ResourceRequest> requests, out string? blocker)
    {
        var claim = new ResourceClaim(this, owner, Normalize(requests));
        lock (_lock)
        {
            blocker = BlockerOf(claim, _waiting.Count);
            if (blocker is not null)
            {
                return null;
            }

            Hold(claim);
            claim.Grant();
        }

        return claim;
    }

    /// <summary>Who holds <paramref name="key"/> now, and how; empty if no one.</summary>
    public IReadOnlyList<(string Owner, LockMode Mode)> HoldersOf(ResourceKey key)
    {
        lock (_lock)
        {
            return _held.TryGetValue(key, out var holders) ? [.. holders.Select(h => (h.Claim.Owner, h.Mode))] : [];
        }
    }

    /// <summary>How many claims wait now.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>What a waiting claim waits for ("image I of domain D, held by task T"); null once granted or ended.</summary>
    internal string? WaitingFor(ResourceClaim claim)
    {
        lock (_lock)
        {
            int index = _waiting.IndexOf(claim);
            return index < 0 ? null : BlockerOf(claim, index);
        }
    }

    /// <summary>Ends a claim: a granted one lets its resources go, a waiting one leaves the queue. Either may let others in.</summary>
    internal void Release(ResourceClaim claim)
    {
        lock (_lock)
        {
            if (!_waiting.Remove(claim))
            {
                foreach (var request in claim.Requests)
                {
                    if (_held.TryGetValue(request.Key, out var holders))
                    {
                        holders.RemoveAll(h => h.Claim == claim);
                        if (holders.Count == 0)
                        {
                            _held.Remove(request.Key);
                        }
                    }
                }
            }

            GrantWaiting();
        }
    }

    /// <summary>Grants, in queue order, every waiting claim that nothing blocks (called under the lock).</summary>
    private void GrantWaiting()
    {
        for (int i = 0; i < _waiting.Count;)
        {
            var claim = _waiting[i];
            if (BlockerOf(claim, i) is null)
            {
                _waiting.RemoveAt(i);
                Hold(claim);
                claim.Grant();
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>
    /// Why <paramref name="claim"/> cannot be granted now, given the holders and the first
    /// <paramref name="ahead"/> waiting claims (which go first); null if it can (under the lock).
    /// </summary>
    private string? BlockerOf(ResourceClaim claim, int ahead)
    {
        foreach (var request in claim.Requests)
        {
            if (_held.TryGetValue(request.Key, out var holders)
                && holders.FirstOrDefault(h => h.Claim != claim && request.ConflictsWith(new ResourceRequest(request.Key, h.Mode))) is { Claim: { } holder })
            {
                return $"{request.Key}, held by {holder.Owner}";
            }

            for (int i = 0; i < ahead; i++)
            {
                if (_waiting[i] != claim && _waiting[i].Requests.Any(request.ConflictsWith))
                {
                    return $"{request.Key}, queued behind {_waiting[i].Owner}";
                }
            }
        }

        return null;
    }

    private void Hold(ResourceClaim claim)
    {
        foreach (var request in claim.Requests)
        {
            if (!_held.TryGetValue(request.Key, out var holders))
            {
                _held[request.Key] = holders = [];
            }

            holders.Add((claim, request.Mode));
        }
    }

    /// <summary>Sorted in the global order, each key once, in the strongest mode asked for it.</summary>
    private static ResourceRequest[] Normalize(IEnumerable<ResourceRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return [.. requests.GroupBy(r => r.Key)
            .Select(g => new ResourceRequest(g.Key, g.Any(r => r.Mode == LockMode.Exclusive) ? LockMode.Exclusive : LockMode.Shared))
            .OrderBy(r => r.Key)];
    }
}
