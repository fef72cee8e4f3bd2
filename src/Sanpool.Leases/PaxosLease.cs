using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// Resource leases by Disk Paxos (Gafni and Lamport, "Disk Paxos", 2003), in sanlock's
/// layout: sector 0 the leader record (the committed outcome), sector 1 the request record,
/// sector 2 + (h - 1) host h's dblock. Each acquire runs one instance of Paxos for the next
/// lease version (lver): the value chosen is the new owner.
/// </summary>
public static partial class PaxosLease
{
    /// <summary>Formats a resource area: a free leader (lver 0), the request record, zero dblocks.</summary>
    public static async Task InitAsync(LeaseDisk disk, string spaceName, string resourceName, int? numHosts, CancellationToken cancellationToken)
    {
        LeaseNames.Validate(spaceName, "lockspace");
        LeaseNames.Validate(resourceName, "resource");
        var g = disk.Geometry;
        int hosts = numHosts ?? g.MaxHosts;
        if (hosts < 1 || hosts > g.MaxHosts)
        {
            throw CommonErrors.Invalid($"num_hosts {hosts} is outside 1..{g.MaxHosts} for {g}");
        }

        var area = new byte[g.Alignment];
        new LeaderRecord
        {
            Magic = LeaderRecord.PaxosMagic,
            Version = LeaderRecord.PaxosVersion,
            Flags = g.AlignFlag,
            SectorSize = (uint)g.SectorSize,
            NumHosts = (ulong)hosts,
            MaxHosts = (ulong)g.MaxHosts,
            SpaceName = spaceName,
            ResourceName = resourceName,
        }.Encode(area);
        RequestRecord.Initial.Encode(area.AsSpan(g.SectorSize));
        await disk.WriteSectorsAsync(0, area, LeaseErrors.LeaderWrite, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads and verifies the leader of a resource.</summary>
    public static async Task<LeaderRecord> ReadLeaderAsync(LeaseDisk disk, string? spaceName, string? resourceName, int hostId, CancellationToken cancellationToken)
    {
        var sector = await disk.ReadSectorsAsync(0, 1, LeaseErrors.LeaderRead, cancellationToken).ConfigureAwait(false);
        return LeaseVerifier.VerifyPaxos(sector, spaceName, resourceName, (ulong)hostId, disk.Where());
    }

    /// <summary>
    /// Acquires the lease for our host in <paramref name="lockspace"/> (sanlock's
    /// paxos_lease_acquire). A lease held by another host is taken only when that host's
    /// delta lease is free, held by another id or a newer generation, has not changed for
    /// host_dead of our own time, or its dblock says it released. A live owner: IDLIVE.
    /// </summary>
    public static async Task<HeldResource> AcquireAsync(LeaseDisk disk, Lockspace lockspace, string resourceName, PaxosAcquireOptions options, CancellationToken cancellationToken)
    {
        var ctx = new Ballot(disk, lockspace, resourceName, options);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (leader, maxMbal) = await ctx.ReadAreaAsync(cancellationToken).ConfigureAwait(false);
            if (!await ctx.OwnerGoneAsync(leader, cancellationToken).ConfigureAwait(false))
            {
                continue; // the leader changed while we watched the owner: start over
            }

            var outcome = await ctx.RunAsync(leader, maxMbal, cancellationToken).ConfigureAwait(false);
            if (outcome is null)
            {
                continue; // a newer lver appeared, or the leader changed before our ballot
            }

            return options.Shared
                ? await ctx.ConvertToSharedAsync(outcome, cancellationToken).ConfigureAwait(false)
                : await ctx.CheckSharedHoldersAsync(outcome, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Releases a lease: our dblock marked RELEASED, then, if we wrote the leader, the leader
    /// written with timestamp 0 (lver and owner stay). A shared holder clears its mode block.
    /// </summary>
    public static async Task ReleaseAsync(HeldResource held, Lockspace lockspace, ILogger logger, CancellationToken cancellationToken)
    {
        var disk = held.Disk;
        int hostId = lockspace.HostId;
        var released = held.Dblock with { Flags = held.Dblock.Flags | PaxosDblock.FlagReleased };
        if (held.Shared)
        {
            await WriteDblockAsync(disk, hostId, released, ModeBlock.None, cancellationToken).ConfigureAwait(false);
            LogReleased(logger, held.Lockspace, held.Name, held.Lver, hostId, "shared");
            return;
        }

        // The leader first: if another host took the lease over (ours expired while we were
        // stopped), we must not write even our own dblock.
        var leader = await ReadLeaderAsync(disk, held.Lockspace, held.Name, hostId, cancellationToken).ConfigureAwait(false);
        if (leader.Lver > held.Lver)
        {
            throw new SanpoolException(LeaseErrors.ReleaseLver, $"{disk.Where()}: {held.Name} is at lver {leader.Lver}, we hold {held.Lver}; left as it is");
        }

        await WriteDblockAsync(disk, hostId, released, ModeBlock.None, cancellationToken).ConfigureAwait(false);
        if (leader.Lver < held.Lver)
        {
            // A late commit for an older lver overwrote ours:
            //   B: ballot for lver n chooses X ............................. writes leader(n, X)
            //   X: commits leader(n, X), releases;  we: ballot n+1, leader(n+1, us)
            // B's check-then-write narrows this window but cannot close it. Paxos still chose
            // us for n+1, so no one else holds it; put our leader back, freed.
            LogStaleLeader(logger, held.Lockspace, held.Name, leader.Lver, held.Lver);
            await WriteLeaderAsync(disk, held.Leader with { Timestamp = 0 }, cancellationToken).ConfigureAwait(false);
            LogReleased(logger, held.Lockspace, held.Name, held.Lver, hostId, "exclusive");
            return;
        }

        if (leader.Lver != held.Lver)
        {
            throw new SanpoolException(LeaseErrors.ReleaseLver, $"{disk.Where()}: {held.Name} is at lver {leader.Lver}, we hold {held.Lver}");
        }

        if (leader.OwnerId != (ulong)hostId || leader.OwnerGeneration != lockspace.Generation)
        {
            throw new SanpoolException(LeaseErrors.ReleaseOwner,
                $"{disk.Where()}: {held.Name} is owned by host {leader.OwnerId} generation {leader.OwnerGeneration}, not us");
        }

        // If another host committed us as owner, our RELEASED dblock already frees the lease
        // for others (they check it when write_id != owner); the leader is theirs to rewrite.
        if (leader.WriteId == (ulong)hostId)
        {
            await WriteLeaderAsync(disk, leader with { Timestamp = 0 }, cancellationToken).ConfigureAwait(false);
        }

        LogReleased(logger, held.Lockspace, held.Name, held.Lver, hostId, "exclusive");
    }

    internal static async Task<LeaderRecord> WriteLeaderAsync(LeaseDisk disk, LeaderRecord leader, CancellationToken cancellationToken)
    {
        var sector = new byte[disk.SectorSize];
        uint checksum = leader.Encode(sector);
        await disk.WriteSectorsAsync(0, sector, LeaseErrors.LeaderWrite, cancellationToken).ConfigureAwait(false);
        return leader with { Checksum = checksum };
    }

    /// <summary>Writes host <paramref name="hostId"/>'s whole dblock sector, with the given mode block.</summary>
    internal static async Task<PaxosDblock> WriteDblockAsync(LeaseDisk disk, int hostId, PaxosDblock dblock, ModeBlock mode, CancellationToken cancellationToken)
    {
        var sector = new byte[disk.SectorSize];
        uint checksum = dblock.Encode(sector);
        mode.Encode(sector.AsSpan(ModeBlock.SectorOffset));
        await disk.WriteSectorsAsync(1 + hostId, sector, LeaseErrors.DblockWrite, cancellationToken).ConfigureAwait(false);
        return dblock with { Checksum = checksum };
    }

    [LoggerMessage(EventId = 2031, Level = LogLevel.Warning,
        Message = "lease {Lockspace}:{Resource}: leader on disk is at lver {OnDisk}, older than our {Ours}; restoring ours, freed")]
    private static partial void LogStaleLeader(ILogger logger, string lockspace, string resource, ulong onDisk, ulong ours);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information,
        Message = "lease {Lockspace}:{Resource} lver {Lver} released by host {HostId} ({Mode})")]
    private static partial void LogReleased(ILogger logger, string lockspace, string resource, ulong lver, int hostId, string mode);
}
