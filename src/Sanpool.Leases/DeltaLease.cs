using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// Delta leases (host-id leases), after Chockler and Malkhi's "Light-Weight Leases for
/// Storage-Centric Coordination" as sanlock implements it. A lockspace area holds one sector
/// per host id; host h's record is sector h - 1. A host owns its id while it keeps rewriting
/// the record's timestamp every <see cref="LeaseTimeouts.IdRenewal"/>.
/// </summary>
public static partial class DeltaLease
{
    /// <summary>
    /// Formats a lockspace area: every host record free. Written in two steps so the area is
    /// never seen half-initialised: first everything with record 1's magic zeroed, then
    /// record 1 with its magic (the commit).
    /// </summary>
    public static async Task InitAsync(LeaseDisk disk, string spaceName, int ioTimeoutSeconds, CancellationToken cancellationToken)
    {
        LeaseNames.Validate(spaceName, "lockspace");
        var g = disk.Geometry;
        var area = new byte[g.Alignment];
        var record = FreeRecord(g, spaceName, ioTimeoutSeconds);
        for (int i = 0; i < g.MaxHosts; i++)
        {
            record.Encode(area.AsSpan(i * g.SectorSize));
        }

        var first = area.AsSpan(0, g.SectorSize).ToArray();
        area.AsSpan(0, 4).Clear();
        await disk.WriteSectorsAsync(0, area, LeaseErrors.LeaderWrite, cancellationToken).ConfigureAwait(false);
        await disk.WriteSectorsAsync(0, first, LeaseErrors.LeaderWrite, cancellationToken).ConfigureAwait(false);
    }

    public static LeaderRecord FreeRecord(LeaseGeometry g, string spaceName, int ioTimeoutSeconds) => new()
    {
        Magic = LeaderRecord.DeltaMagic,
        Version = LeaderRecord.DeltaVersion,
        Flags = g.AlignFlag,
        SectorSize = (uint)g.SectorSize,
        NumHosts = 0,
        MaxHosts = 1,
        SpaceName = spaceName,
        IoTimeout = (ushort)ioTimeoutSeconds,
    };

    /// <summary>Reads and verifies host <paramref name="hostId"/>'s record.</summary>
    public static async Task<LeaderRecord> ReadAsync(LeaseDisk disk, string? spaceName, int hostId, CancellationToken cancellationToken)
    {
        CheckHostId(disk, hostId);
        var sector = await disk.ReadSectorsAsync(hostId - 1, 1, LeaseErrors.LeaderRead, cancellationToken).ConfigureAwait(false);
        return LeaseVerifier.VerifyDelta(sector, spaceName, disk.Where((long)(hostId - 1) * disk.SectorSize));
    }

    /// <summary>
    /// Acquires host id <paramref name="hostId"/> for <paramref name="hostName"/> (sanlock's
    /// delta_lease_acquire):
    /// <list type="number">
    /// <item>read the record; a free record, or one last written under our own host name
    /// (fast re-acquire after our own restart), goes straight to 3;</item>
    /// <item>otherwise wait <see cref="LeaseTimeouts.DeltaLargeDelay"/> (at least host_dead of
    /// the previous owner, so its paxos leases are already takeable) and read again; if it
    /// changed and is not free, a live host holds it: HOSTID_BUSY;</item>
    /// <item>write our record: new timestamp, owner = id, generation + 1, our name;</item>
    /// <item>wait <see cref="LeaseTimeouts.DeltaShortDelay"/> and read again. Two hosts that
    /// raced through 1-3 both wrote; only the last writer finds its own record, the
    /// other gets HOSTID_BUSY.</item>
    /// </list>
    /// </summary>
    public static async Task<LeaderRecord> AcquireAsync(LeaseDisk disk, string spaceName, int hostId, string hostName,
        LeaseTimeouts timeouts, MonotonicClock clock, ILogger logger, CancellationToken cancellationToken)
    {
        LeaseNames.Validate(hostName, "host");
        var leader = await ReadAsync(disk, spaceName, hostId, cancellationToken).ConfigureAwait(false);
        var other = timeouts.ForOtherHost(leader.IoTimeout);

        if (!leader.IsFree && leader.ResourceName != hostName)
        {
            var delay = other.DeltaLargeDelay;
            LogLargeDelay(logger, spaceName, hostId, leader.ResourceName, delay.TotalSeconds);
            while (true)
            {
                var before = leader;
                await clock.Delay(delay, cancellationToken).ConfigureAwait(false);
                leader = await ReadAsync(disk, spaceName, hostId, cancellationToken).ConfigureAwait(false);
                if (leader == before || leader.IsFree)
                {
                    break;
                }

                throw new SanpoolException(LeaseErrors.HostIdBusy,
                    $"host id {hostId} in lockspace {spaceName} is held by live host '{leader.ResourceName}' " +
                    $"(generation {leader.OwnerGeneration}, timestamp {leader.Timestamp})");
            }
        }
        else if (!leader.IsFree)
        {
            LogFastReacquire(logger, spaceName, hostId, hostName);
        }

        var mine = leader with
        {
            Timestamp = clock.Seconds,
            IoTimeout = (ushort)(timeouts.IoTimeoutSeconds & 0xFF),
            OwnerId = (ulong)hostId,
            OwnerGeneration = leader.OwnerGeneration + 1,
            ResourceName = hostName,
        };
        mine = await WriteAsync(disk, hostId, mine, cancellationToken).ConfigureAwait(false);

        await clock.Delay(other.DeltaShortDelay, cancellationToken).ConfigureAwait(false);
        var check = await ReadAsync(disk, spaceName, hostId, cancellationToken).ConfigureAwait(false);
        if (check != mine)
        {
            throw new SanpoolException(LeaseErrors.HostIdBusy,
                $"host id {hostId} in lockspace {spaceName} was taken by '{check.ResourceName}' while we acquired it");
        }

        LogAcquired(logger, spaceName, hostId, hostName, mine.OwnerGeneration);
        return mine;
    }

    /// <summary>
    /// Renews our record (sanlock's delta_lease_renew), given the area just read in one I/O.
    /// If our record is not exactly as we last wrote it, someone else wrote our host id:
    /// RENEW_DIFF, and the lockspace must fail.
    /// </summary>
    public static async Task<LeaderRecord> RenewAsync(LeaseDisk disk, byte[] area, int hostId, LeaderRecord last,
        MonotonicClock clock, CancellationToken cancellationToken)
    {
        var where = disk.Where((long)(hostId - 1) * disk.SectorSize);
        var current = LeaseVerifier.VerifyDelta(area.AsSpan((hostId - 1) * disk.SectorSize, disk.SectorSize), last.SpaceName, where);
        if (current != last)
        {
            throw new SanpoolException(LeaseErrors.RenewDiff,
                $"{where}: host id {hostId} record changed under us (owner {current.OwnerId} generation {current.OwnerGeneration} " +
                $"name '{current.ResourceName}', expected generation {last.OwnerGeneration} name '{last.ResourceName}')");
        }

        ulong now = clock.Seconds;
        var renewed = last with { Timestamp = now == last.Timestamp ? now + 1 : now };
        return await WriteAsync(disk, hostId, renewed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases our host id: timestamp 0; owner, generation and name stay.</summary>
    public static Task<LeaderRecord> ReleaseAsync(LeaseDisk disk, int hostId, LeaderRecord last, CancellationToken cancellationToken) =>
        WriteAsync(disk, hostId, last with { Timestamp = 0 }, cancellationToken);

    /// <summary>Writes a record as a whole sector; returns it with the checksum it was written with.</summary>
    public static async Task<LeaderRecord> WriteAsync(LeaseDisk disk, int hostId, LeaderRecord record, CancellationToken cancellationToken)
    {
        CheckHostId(disk, hostId);
        var sector = new byte[disk.SectorSize];
        uint checksum = record.Encode(sector);
        await disk.WriteSectorsAsync(hostId - 1, sector, LeaseErrors.LeaderWrite, cancellationToken).ConfigureAwait(false);
        return record with { Checksum = checksum };
    }

    public static void CheckHostId(LeaseDisk disk, int hostId)
    {
        if (hostId < 1 || hostId > disk.Geometry.MaxHosts)
        {
            throw new SanpoolException(LeaseErrors.InvalidHostId,
                $"host id {hostId} is outside 1..{disk.Geometry.MaxHosts} for a {disk.Geometry} lockspace");
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "lockspace {Lockspace} host id {HostId}: last held by '{Owner}', waiting {Seconds} s before taking it")]
    private static partial void LogLargeDelay(ILogger logger, string lockspace, int hostId, string owner, double seconds);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
        Message = "lockspace {Lockspace} host id {HostId}: fast re-acquire by the same host name '{HostName}'")]
    private static partial void LogFastReacquire(ILogger logger, string lockspace, int hostId, string hostName);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information,
        Message = "lockspace {Lockspace} host id {HostId}: acquired by '{HostName}', generation {Generation}")]
    private static partial void LogAcquired(ILogger logger, string lockspace, int hostId, string hostName, ulong generation);
}
