using System.Globalization;
using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool;

/// <summary>
/// Moves the master role of a pool from one domain to another, holding both domains' SPM
/// leases (their writers) throughout. Three writes, in this order:
/// <code>
/// 1. copy      the pool's part of the old master area (tasks, host reports: 2-6 MiB, every
///              slot copy byte for byte, CRC records and sequences as they are) to the new
///              master's. Each domain's own journal (0-2 MiB) stays where it is.
///                                                                   crash: master.tasks-copied, master.copied
/// 2. commit    the new master's metadata: ROLE=Master, MASTER_VERSION = old + 1, POOL_DOMAINS,
///              POOL_DESCRIPTION, POOL_SPM_ID, POOL_SPM_LVER (the new master's SDM lease version).
///                                                                   crash: master.committed
/// 3. demote    the old master's metadata: ROLE=Regular, the master-only keys removed, POOL_UUID kept.
///                                                                   crash: master.demoted
/// </code>
/// Step 2 is the commit point: one metadata write, which lands whole or not at all (the
/// domain metadata is sealed by its checksum). What a crash leaves, and what the same move run
/// again does:
/// <list type="bullet">
/// <item>before 2: the old master is still the only master; the new one holds a copy of the
/// pool's tasks nobody reads (it is Regular). Run again: the copy is made afresh, then 2 and 3.</item>
/// <item>between 2 and 3: both claim ROLE=Master; the new one at the higher MASTER_VERSION,
/// which wins (<see cref="MasterLookup"/>): hosts refuse to connect to the old one
/// (WRONG_MASTER naming the new one), and a move from the old one to any third domain is
/// refused. Run again: it sees the commit made and only demotes the old master.</item>
/// <item>after 3: the move is complete. Run again: nothing is written; the pool is returned.</item>
/// </list>
/// </summary>
public static partial class MasterMove
{
    public const string TasksCopied = "master.tasks-copied";
    public const string Copied = "master.copied";
    public const string Committed = "master.committed";
    public const string Demoted = "master.demoted";

    /// <summary>Every crash point of a move, in the order the move reaches them.</summary>
    public static IReadOnlyList<string> CrashPoints { get; } = [TasksCopied, Copied, Committed, Demoted];

    /// <summary>The pool's part of the master area, copied by a move: everything after the domain's own journal.</summary>
    public static IReadOnlyList<SlotAreaLayout> PoolAreas { get; } = [MasterArea.Tasks, MasterArea.HostReports];

    private const int CopyChunk = 1024 * 1024;

    /// <summary>Moves the master role of the pool <paramref name="oldMaster"/> is master of to <paramref name="newMaster"/>.</summary>
    /// <param name="others">The pool's other domains this host can read: checked for a master newer than <paramref name="oldMaster"/>.</param>
    public static async Task<PoolMetadata> RunAsync(DomainWriter oldMaster, DomainWriter newMaster, IReadOnlyCollection<IDomainManifest> others, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(oldMaster);
        ArgumentNullException.ThrowIfNull(newMaster);
        ArgumentNullException.ThrowIfNull(others);
        if (oldMaster.Domain == newMaster.Domain)
        {
            throw CommonErrors.Invalid($"domain {oldMaster.Domain} is already the master; name another domain of the pool as the new master");
        }

        var oldMd = await oldMaster.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        var newMd = await newMaster.Store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (await FinishCommittedAsync(oldMaster, oldMd, newMaster, newMd, cancellationToken).ConfigureAwait(false) is { } finished)
        {
            return finished;
        }

        var pool = PoolMetadata.From(oldMd, oldMaster.Domain);
        await CheckAsync(pool, oldMaster.Domain, newMaster.Domain, newMd, others, cancellationToken).ConfigureAwait(false);

        await CopyPoolAreasAsync(oldMaster, newMaster, cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit(Copied);

        var moved = pool with { MasterVersion = pool.MasterVersion + 1, SpmLver = (long)newMaster.LeaseVersion };
        oldMaster.CheckLease();
        newMaster.CheckLease();
        await newMaster.Store.WriteDomainMetadataAsync(moved.ApplyTo(newMd), cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit(Committed);

        await DemoteAsync(oldMaster, oldMd, pool.Pool, cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit(Demoted);
        LogMoved(oldMaster.Logger, pool.Pool, oldMaster.Domain, newMaster.Domain, pool.MasterVersion, moved.MasterVersion, oldMaster.Options.HostId);
        return moved;
    }

    /// <summary>
    /// A move run again after its commit point: the new master already claims the old one's
    /// pool at a higher version. Demotes the old master if it still claims to be one; null if
    /// the move has not been committed.
    /// </summary>
    private static async Task<PoolMetadata?> FinishCommittedAsync(DomainWriter oldMaster, DomainMetadata oldMd, DomainWriter newMaster, DomainMetadata newMd,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(oldMd[PoolMetadata.PoolUuidKey], out var pool) || !MasterLookup.IsMasterOf(newMd, pool))
        {
            return null;
        }

        var theirs = PoolMetadata.From(newMd, newMaster.Domain);
        if (!MasterLookup.IsMasterOf(oldMd, pool))
        {
            return theirs;
        }

        var ours = PoolMetadata.From(oldMd, oldMaster.Domain);
        if (theirs.MasterVersion <= ours.MasterVersion)
        {
            // A stale claim of an earlier master that was never demoted: the move overwrites it.
            return null;
        }

        await DemoteAsync(oldMaster, oldMd, pool, cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit(Demoted);
        LogFinished(oldMaster.Logger, pool, oldMaster.Domain, newMaster.Domain, theirs.MasterVersion, oldMaster.Options.HostId);
        return theirs;
    }

    private static async Task CheckAsync(PoolMetadata pool, Guid oldMaster, Guid newMaster, DomainMetadata newMd, IReadOnlyCollection<IDomainManifest> others,
        CancellationToken cancellationToken)
    {
        var current = await MasterLookup.FindAsync(pool.Pool, others.Where(s => s.Info.Uuid != oldMaster && s.Info.Uuid != newMaster), cancellationToken)
            .ConfigureAwait(false);
        if (current is not null && current.Pool.MasterVersion > pool.MasterVersion)
        {
            throw MasterLookup.NoLongerMaster(pool.Pool, oldMaster, pool.MasterVersion, current);
        }

        if (!pool.Domains.TryGetValue(newMaster, out var status))
        {
            throw new SanpoolException(PoolErrors.DomainNotInPool, $"domain {newMaster} is not in pool {pool.Pool}; attach it first (pool attach {oldMaster} {newMaster})");
        }

        if (status != PoolMetadata.Active)
        {
            throw new SanpoolException(PoolErrors.DomainNotActive, $"domain {newMaster} is {status} in pool {pool.Pool}; only an Active domain can become its master");
        }

        if (newMd[PoolMetadata.PoolUuidKey] != pool.Pool.ToString())
        {
            throw new SanpoolException(PoolErrors.DomainNotInPool,
                $"domain {newMaster} is listed by master {oldMaster} of pool {pool.Pool}, but its own POOL_UUID is '{newMd[PoolMetadata.PoolUuidKey]}'; attach it again first");
        }
    }

    /// <summary>Step 1: the tasks and host reports, byte for byte, through direct I/O on both master areas.</summary>
    private static async Task CopyPoolAreasAsync(DomainWriter oldMaster, DomainWriter newMaster, CancellationToken cancellationToken)
    {
        await using var from = await oldMaster.Store.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
        await using var to = await newMaster.Store.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new AlignedBuffer(CopyChunk);
        foreach (var area in PoolAreas)
        {
            foreach (var device in new[] { from, to })
            {
                if (device.Size < area.End)
                {
                    throw new SanpoolException(StorageErrors.MetadataInvalid, string.Create(CultureInfo.InvariantCulture,
                        $"master area {device.Path} is {device.Size} bytes; the {area.Name} area ends at {area.End}"));
                }
            }

            newMaster.CheckLease();
            for (long offset = area.Start; offset < area.End; offset += CopyChunk)
            {
                var chunk = buffer.Memory[..(int)Math.Min(CopyChunk, area.End - offset)];
                await from.ReadAsync(offset, chunk, cancellationToken).ConfigureAwait(false);
                await to.WriteAsync(offset, chunk, cancellationToken).ConfigureAwait(false);
            }

            if (area == MasterArea.Tasks)
            {
                CrashPoint.Hit(TasksCopied);
            }
        }
    }

    /// <summary>Step 3: the old master becomes a regular member of the pool.</summary>
    private static async Task DemoteAsync(DomainWriter oldMaster, DomainMetadata oldMd, Guid pool, CancellationToken cancellationToken)
    {
        oldMaster.CheckLease();
        await oldMaster.Store.WriteDomainMetadataAsync(PoolMetadata.AsMember(oldMd, pool), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 760, Level = LogLevel.Information,
        Message = "pool {Pool}: master moved from domain {OldMaster} to domain {NewMaster} (MASTER_VERSION {From} -> {To}) by host {HostId}, holding both SPM leases")]
    private static partial void LogMoved(ILogger logger, Guid pool, Guid oldMaster, Guid newMaster, int from, int to, int hostId);

    [LoggerMessage(EventId = 761, Level = LogLevel.Warning,
        Message = "pool {Pool}: finished an interrupted master move: domain {OldMaster} demoted, domain {NewMaster} is master at MASTER_VERSION {Version} (host {HostId})")]
    private static partial void LogFinished(ILogger logger, Guid pool, Guid oldMaster, Guid newMaster, int version, int hostId);
}
