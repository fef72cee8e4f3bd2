using Sanpool.Core;
using Sanpool.Leases.OnDisk;
using O = Sanpool.Leases.OnDisk.LeaderRecord.Offsets;

namespace Sanpool.Leases.Tests.OnDisk;

/// <summary>
/// A byte flipped in any checked field of a sanlock record is refused with the error that
/// names it, never read as a valid record. sanlock's leader checksum covers bytes [0, 0xA8)
/// only; the fields after it (io_timeout, write_*) and a dblock's flags are outside every
/// checksum in sanlock's format, so a reader cannot tell them damaged. Those are listed at
/// the end, so that the limit is stated, not hidden.
/// </summary>
public class CorruptionTests
{
    public static TheoryData<string, int, string> DeltaFields => new()
    {
        { "magic", O.Magic, "LEADER_MAGIC" },
        { "version major", O.Version + 2, "LEADER_VERSION" },
        { "version minor", O.Version, "LEADER_CHECKSUM" },
        { "flags", O.Flags, "LEADER_CHECKSUM" },
        { "sector_size", O.SectorSize + 1, "LEADER_SECTORSIZE" },
        { "num_hosts", O.NumHosts, "LEADER_CHECKSUM" },
        { "max_hosts", O.MaxHosts, "LEADER_CHECKSUM" },
        { "owner_id", O.OwnerId, "LEADER_CHECKSUM" },
        { "owner_generation", O.OwnerGeneration, "LEADER_CHECKSUM" },
        { "lver", O.Lver + 7, "LEADER_CHECKSUM" },
        { "space_name", O.SpaceName, "LEADER_LOCKSPACE" },
        { "resource_name (host name)", O.ResourceName + 2, "LEADER_CHECKSUM" },
        { "timestamp", O.Timestamp, "LEADER_CHECKSUM" },
        { "unused1", O.Unused1, "LEADER_CHECKSUM" },
        { "checksum", O.Checksum + 3, "LEADER_CHECKSUM" },
    };

    public static TheoryData<string, int, string> PaxosFields => new()
    {
        { "magic", O.Magic + 1, "LEADER_MAGIC" },
        { "version major", O.Version + 3, "LEADER_VERSION" },
        { "sector_size", O.SectorSize + 1, "LEADER_SECTORSIZE" },
        { "num_hosts", O.NumHosts + 1, "LEADER_CHECKSUM" },
        { "owner_id", O.OwnerId, "LEADER_CHECKSUM" },
        { "lver", O.Lver, "LEADER_CHECKSUM" },
        { "space_name", O.SpaceName + 1, "LEADER_LOCKSPACE" },
        { "resource_name", O.ResourceName, "LEADER_RESOURCE" },
        { "timestamp", O.Timestamp + 1, "LEADER_CHECKSUM" },
        { "checksum", O.Checksum, "LEADER_CHECKSUM" },
    };

    [Theory]
    [MemberData(nameof(DeltaFields))]
    public void Flipped_byte_in_delta_record_is_refused(string field, int offset, string code)
    {
        var sector = Golden.Read("delta-512-1M.bin").AsSpan(0, 512).ToArray();
        sector[offset] ^= 0x5A;
        var e = Assert.Throws<SanpoolException>(() => LeaseVerifier.VerifyDelta(sector, "LS1", field));
        Assert.Equal(code, e.Code.Name);
    }

    [Theory]
    [MemberData(nameof(PaxosFields))]
    public void Flipped_byte_in_paxos_leader_is_refused(string field, int offset, string code)
    {
        var sector = Golden.Read("paxos-512-1M.bin").AsSpan(0, 512).ToArray();
        sector[offset] ^= 0x5A;
        var e = Assert.Throws<SanpoolException>(() => LeaseVerifier.VerifyPaxos(sector, "LS1", "RES1", 1, field));
        Assert.Equal(code, e.Code.Name);
    }

    [Fact]
    public void Cleared_paxos_magic_is_refused_as_bad_magic()
    {
        var sector = Golden.Read("paxos-512-1M.bin").AsSpan(0, 512).ToArray();
        BitConverter.TryWriteBytes(sector.AsSpan(0), LeaderRecord.PaxosClearedMagic);
        var e = Assert.Throws<SanpoolException>(() => LeaseVerifier.VerifyPaxos(sector, "LS1", "RES1", 1, "cleared"));
        Assert.Equal(LeaseErrors.LeaderMagic, e.Code);
    }

    [Fact]
    public void Num_hosts_below_our_host_id_is_refused()
    {
        var sector = Golden.Read("paxos-512-1M.bin").AsSpan(0, 512).ToArray();
        var e = Assert.Throws<SanpoolException>(() => LeaseVerifier.VerifyPaxos(sector, "LS1", "RES1", 2001, "numhosts"));
        Assert.Equal(LeaseErrors.LeaderNumHosts, e.Code);
    }

    [Theory]
    [InlineData("mbal", PaxosDblock.Offsets.Mbal)]
    [InlineData("bal", PaxosDblock.Offsets.Bal + 1)]
    [InlineData("inp", PaxosDblock.Offsets.Inp)]
    [InlineData("inp2", PaxosDblock.Offsets.Inp2 + 4)]
    [InlineData("inp3", PaxosDblock.Offsets.Inp3)]
    [InlineData("lver", PaxosDblock.Offsets.Lver)]
    [InlineData("checksum", PaxosDblock.Offsets.Checksum + 2)]
    public void Flipped_byte_in_dblock_is_refused(string field, int offset)
    {
        var block = Golden.Read("paxos-512-1M.bin").AsSpan(1024, 512).ToArray();
        block[offset] ^= 0x01;
        var e = Assert.Throws<SanpoolException>(() => LeaseVerifier.VerifyDblock(block, field));
        Assert.Equal(LeaseErrors.DblockChecksum, e.Code);
    }

    [Theory]
    [InlineData(RequestRecord.Offsets.Magic, "REQUEST_MAGIC")]
    [InlineData(RequestRecord.Offsets.Version + 2, "REQUEST_VERSION")]
    public void Flipped_byte_in_request_record_is_refused(int offset, string code)
    {
        var sector = Golden.Read("paxos-512-1M.bin").AsSpan(512, 512).ToArray();
        sector[offset] ^= 0x10;
        var e = Assert.Throws<SanpoolException>(() => LeaseVerifier.VerifyRequest(sector, "request"));
        Assert.Equal(code, e.Code.Name);
    }

    [Theory]
    [InlineData(O.IoTimeout)]
    [InlineData(O.WriteId)]
    [InlineData(O.WriteGeneration)]
    [InlineData(O.WriteTimestamp)]
    public void Fields_after_the_checksum_range_are_outside_sanlocks_checksum(int offset)
    {
        // Stated limit of the format: sanlock checksums [0, 0xA8) only.
        Assert.True(offset >= LeaderRecord.ChecksumLength);
        var sector = Golden.Read("paxos-512-1M.bin").AsSpan(0, 512).ToArray();
        sector[offset] ^= 0x01;
        Assert.Equal(LeaderRecord.Decode(sector).Checksum, LeaderRecord.ComputeChecksum(sector));
    }

    [Fact]
    public void Layout_offsets_match_sanlocks_struct()
    {
        Assert.Equal(0x98, O.Timestamp);
        Assert.Equal(0xA8, O.Checksum);
        Assert.Equal(0xAE, O.IoTimeout);
        Assert.Equal(0xC0, O.WriteTimestamp);
        Assert.Equal(200, LeaderRecord.Size);
        Assert.Equal(56, PaxosDblock.Size);
        Assert.Equal(48, PaxosDblock.ChecksumLength);
        Assert.Equal(16, ModeBlock.Size);
    }
}
