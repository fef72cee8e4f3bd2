using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// Checks a leader record before anyone acts on it. The order follows sanlock's verify_leader:
/// the checks that name a field come first, so a damaged field is reported as itself; any
/// other damage is caught by the checksum. A record that fails is never used.
/// </summary>
public static class LeaseVerifier
{
    /// <summary>Verifies a delta lease record (one host's sector of a lockspace).</summary>
    public static LeaderRecord VerifyDelta(ReadOnlySpan<byte> sector, string? spaceName, string where)
    {
        var lr = LeaderRecord.Decode(sector);
        if (lr.Magic != LeaderRecord.DeltaMagic)
        {
            throw Fail(LeaseErrors.LeaderMagic, where, $"magic 0x{lr.Magic:x8} is not a delta lease (0x{LeaderRecord.DeltaMagic:x8})");
        }

        CheckCommon(lr, LeaderRecord.DeltaVersion, spaceName, where);
        CheckChecksum(lr, sector, where);
        return lr;
    }

    /// <summary>Verifies a paxos lease leader (sector 0 of a resource area).</summary>
    public static LeaderRecord VerifyPaxos(ReadOnlySpan<byte> sector, string? spaceName, string? resourceName, ulong hostId, string where)
    {
        var lr = LeaderRecord.Decode(sector);
        if (lr.Magic == LeaderRecord.PaxosClearedMagic)
        {
            throw Fail(LeaseErrors.LeaderMagic, where, "the resource was cleared (magic 0x11282016)");
        }

        if (lr.Magic != LeaderRecord.PaxosMagic)
        {
            throw Fail(LeaseErrors.LeaderMagic, where, $"magic 0x{lr.Magic:x8} is not a paxos lease (0x{LeaderRecord.PaxosMagic:x8})");
        }

        CheckCommon(lr, LeaderRecord.PaxosVersion, spaceName, where);
        if (resourceName is not null && lr.ResourceName != resourceName)
        {
            throw Fail(LeaseErrors.LeaderResource, where, $"resource name is '{lr.ResourceName}', expected '{resourceName}'");
        }

        if (lr.NumHosts < hostId)
        {
            throw Fail(LeaseErrors.LeaderNumHosts, where, $"num_hosts {lr.NumHosts} is less than host id {hostId}");
        }

        CheckChecksum(lr, sector, where);
        return lr;
    }

    /// <summary>Verifies a dblock; an all-zero block (never written) is valid.</summary>
    public static PaxosDblock VerifyDblock(ReadOnlySpan<byte> block, string where)
    {
        var db = PaxosDblock.Decode(block);
        if (PaxosDblock.IsBlank(block))
        {
            return db;
        }

        uint computed = PaxosDblock.ComputeChecksum(block);
        if (computed != db.Checksum)
        {
            throw Fail(LeaseErrors.DblockChecksum, where, $"dblock checksum 0x{db.Checksum:x8} does not match 0x{computed:x8}");
        }

        return db;
    }

    public static RequestRecord VerifyRequest(ReadOnlySpan<byte> sector, string where)
    {
        var rr = RequestRecord.Decode(sector);
        if (rr.Magic != RequestRecord.RequestMagic)
        {
            throw Fail(LeaseErrors.RequestMagic, where, $"request magic 0x{rr.Magic:x8} is not 0x{RequestRecord.RequestMagic:x8}");
        }

        if ((rr.Version & LeaderRecord.MajorVersionMask) != (RequestRecord.RequestVersion & LeaderRecord.MajorVersionMask))
        {
            throw Fail(LeaseErrors.RequestVersion, where, $"request version 0x{rr.Version:x8} has an unknown major");
        }

        return rr;
    }

    private static void CheckCommon(LeaderRecord lr, uint version, string? spaceName, string where)
    {
        if ((lr.Version & LeaderRecord.MajorVersionMask) != (version & LeaderRecord.MajorVersionMask))
        {
            throw Fail(LeaseErrors.LeaderVersion, where, $"version 0x{lr.Version:x8} has major 0x{lr.Version >> 16:x}, expected 0x{version >> 16:x}");
        }

        if (lr.SectorSize is not (512 or 4096))
        {
            throw Fail(LeaseErrors.LeaderSectorSize, where, $"sector size {lr.SectorSize} is neither 512 nor 4096");
        }

        if (spaceName is not null && lr.SpaceName != spaceName)
        {
            throw Fail(LeaseErrors.LeaderLockspace, where, $"lockspace name is '{lr.SpaceName}', expected '{spaceName}'");
        }
    }

    private static void CheckChecksum(LeaderRecord lr, ReadOnlySpan<byte> sector, string where)
    {
        uint computed = LeaderRecord.ComputeChecksum(sector);
        if (computed != lr.Checksum)
        {
            throw Fail(LeaseErrors.LeaderChecksum, where, $"checksum 0x{lr.Checksum:x8} does not match 0x{computed:x8}");
        }
    }

    private static SanpoolException Fail(ErrorCode code, string where, string what) => new(code, $"{where}: {what}");
}
