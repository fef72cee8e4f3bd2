using Sanpool.Core;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool;

/// <summary>
/// Changes to the pool's membership, each made holding the writers (SDM leases) of every
/// domain it touches. The master domain's write is always last: it is the commit point, so a
/// crash before it leaves members that claim a pool the master does not list yet, which the
/// same call repeated accepts and completes. A master move has its own commit point, the new
/// master's metadata (<see cref="MasterMove"/>).
/// </summary>
public static class PoolAdmin
{
    /// <summary>Makes <paramref name="master"/> the master of a new pool with <paramref name="members"/> as its other domains.</summary>
    public static async Task<PoolMetadata> CreateAsync(DomainWriter master, IReadOnlyList<DomainWriter> members, Guid pool, string description, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(members);
        if (description.Length > 50 || description.Any(c => char.IsControl(c) || c is '=' or ','))
        {
            throw CommonErrors.Invalid("a pool description is at most 50 characters, without control characters, '=' or ','");
        }

        foreach (var writer in members.Prepend(master))
        {
            SameHostDead(master, writer);
            var md = await writer.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
            if (md[PoolMetadata.PoolUuidKey] is { Length: > 0 } other && other != pool.ToString())
            {
                throw new SanpoolException(PoolErrors.DomainAttached, $"domain {writer.Domain} already belongs to pool {other}; detach it first");
            }
        }

        foreach (var writer in members)
        {
            await SetMemberAsync(writer, pool, cancellationToken).ConfigureAwait(false);
        }

        var metadata = new PoolMetadata
        {
            Pool = pool,
            Description = description,
            Domains = members.Prepend(master).ToDictionary(w => w.Domain, _ => PoolMetadata.Active),
        };
        master.CheckLease();
        var current = await master.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        await master.Store.WriteDomainMetadataAsync(metadata.ApplyTo(current), cancellationToken).ConfigureAwait(false);
        return metadata;
    }

    /// <summary>Adds <paramref name="domain"/> to the pool whose master the SPM holds.</summary>
    public static async Task<PoolMetadata> AttachAsync(DomainWriter master, DomainWriter domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.Domain == master.Domain)
        {
            throw CommonErrors.Invalid($"domain {domain.Domain} is the pool's master already; attach another domain");
        }

        SameHostDead(master, domain);
        var md = await master.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        var pool = PoolMetadata.From(md, master.Domain);
        var theirs = await domain.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (theirs[PoolMetadata.PoolUuidKey] is { Length: > 0 } other && other != pool.Pool.ToString())
        {
            throw new SanpoolException(PoolErrors.DomainAttached, $"domain {domain.Domain} already belongs to pool {other}; detach it first");
        }

        await SetMemberAsync(domain, pool.Pool, cancellationToken).ConfigureAwait(false);
        var updated = pool with { Domains = new Dictionary<Guid, string>(pool.Domains) { [domain.Domain] = PoolMetadata.Active } };
        master.CheckLease();
        await master.Store.WriteDomainMetadataAsync(updated.ApplyTo(md), cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// The pool's hosts judge each other dead by one rule: every domain of a pool has the
    /// master's watchdog margin, or it cannot join (io_timeouts may differ, as on VDSM).
    /// </summary>
    private static void SameHostDead(DomainWriter master, DomainWriter domain)
    {
        var (ours, theirs) = (master.Store.Info, domain.Store.Info);
        if (ours.WatchdogFireTimeout != theirs.WatchdogFireTimeout)
        {
            throw CommonErrors.Invalid(
                $"domain {domain.Domain} has a watchdog margin of {theirs.WatchdogFireTimeout} s (host_dead {theirs.Timeouts.HostDead.TotalSeconds:0} s); " +
                $"the pool's master {master.Domain} has {ours.WatchdogFireTimeout} s: every domain of a pool must use the same");
        }
    }

    /// <summary>Takes a regular domain out of the pool: first off the master's list, then its own POOL_UUID cleared.</summary>
    public static async Task<PoolMetadata> DetachAsync(DomainWriter master, DomainWriter domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.Domain == master.Domain)
        {
            throw CommonErrors.Invalid($"domain {domain.Domain} is the pool's master; move the master role to another domain first");
        }

        var md = await master.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        var pool = PoolMetadata.From(md, master.Domain);
        var theirs = await domain.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (!pool.Domains.ContainsKey(domain.Domain))
        {
            if (theirs[PoolMetadata.PoolUuidKey] != pool.Pool.ToString())
            {
                throw new SanpoolException(PoolErrors.DomainNotInPool, $"domain {domain.Domain} is not in pool {pool.Pool}");
            }

            // A detach that crashed after the master's write: finish it.
            domain.CheckLease();
            await domain.Store.WriteDomainMetadataAsync(PoolMetadata.AsMember(theirs, null), cancellationToken).ConfigureAwait(false);
            return pool;
        }

        var domains = new Dictionary<Guid, string>(pool.Domains);
        domains.Remove(domain.Domain);
        var updated = pool with { Domains = domains };
        master.CheckLease();
        await master.Store.WriteDomainMetadataAsync(updated.ApplyTo(md), cancellationToken).ConfigureAwait(false);
        domain.CheckLease();
        await domain.Store.WriteDomainMetadataAsync(PoolMetadata.AsMember(theirs, null), cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>
    /// Moves the master role from <paramref name="oldMaster"/> to <paramref name="newMaster"/>, an
    /// Active domain of its pool, holding both writers (both SPM leases): the pool's tasks and
    /// host reports copied, the new master written at MASTER_VERSION + 1 (the commit point), the
    /// old one demoted to Regular. Run again after a crash, it completes the move (<see cref="MasterMove"/>).
    /// </summary>
    public static Task<PoolMetadata> MoveMasterAsync(DomainWriter oldMaster, DomainWriter newMaster, CancellationToken cancellationToken) =>
        MasterMove.RunAsync(oldMaster, newMaster, [], cancellationToken);

    /// <inheritdoc cref="MoveMasterAsync(DomainWriter, DomainWriter, CancellationToken)"/>
    /// <param name="others">The pool's other domains this host can read: the move is refused if one
    /// of them is already a newer master than <paramref name="oldMaster"/> (an earlier move's commit).</param>
    public static Task<PoolMetadata> MoveMasterAsync(DomainWriter oldMaster, DomainWriter newMaster, IReadOnlyCollection<IDomainManifest> others,
        CancellationToken cancellationToken) =>
        MasterMove.RunAsync(oldMaster, newMaster, others, cancellationToken);

    private static async Task SetMemberAsync(DomainWriter writer, Guid pool, CancellationToken cancellationToken)
    {
        writer.CheckLease();
        var md = await writer.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        await writer.Store.WriteDomainMetadataAsync(PoolMetadata.AsMember(md, pool), cancellationToken).ConfigureAwait(false);
    }
}
