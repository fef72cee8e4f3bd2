using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases.Tests.OnDisk;

/// <summary>Our codecs against bytes the real sanlock wrote: decode to the observed values, re-encode to the same bytes.</summary>
public class GoldenBytesTests
{
    [Fact]
    public void Delta_record_acquired_by_sanlock_decodes_and_reencodes_byte_for_byte()
    {
        var bytes = Golden.Read("delta-512-1M.bin");
        var lr = LeaseVerifier.VerifyDelta(bytes.AsSpan(0, 512), "LS1", "golden");
        Assert.Equal(LeaderRecord.DeltaMagic, lr.Magic);
        Assert.Equal(0x10u, lr.Flags);
        Assert.Equal(1UL, lr.OwnerId);
        Assert.Equal(1UL, lr.OwnerGeneration);
        Assert.Equal("hostA", lr.ResourceName);
        Assert.Equal(309UL, lr.Timestamp);
        Assert.Equal(0x39495fe6u, lr.Checksum);
        Assert.Equal((ushort)10, lr.IoTimeout);
        AssertReencodes(bytes.AsSpan(0, 512), lr);
    }

    [Fact]
    public void Free_delta_record_written_by_sanlock_init_equals_ours()
    {
        var bytes = Golden.Read("delta-512-1M.bin");
        var ours = DeltaLease.FreeRecord(LeaseGeometry.Create(512, LeaseGeometry.MiB), "LS1", 10).ToSector(512);
        Assert.Equal(bytes.AsSpan(512, 512).ToArray(), ours);
        Assert.Equal(0x4dba1e1eu, LeaderRecord.Decode(ours).Checksum);
    }

    [Fact]
    public void Delta_record_on_4k_8M_lockspace()
    {
        var bytes = Golden.Read("delta-4k-8M.bin");
        var host2 = LeaseVerifier.VerifyDelta(bytes.AsSpan(4096, 4096), "LS1", "golden");
        Assert.Equal(2UL, host2.OwnerId);
        Assert.Equal("hostB", host2.ResourceName);
        Assert.Equal(0xb2d3013bu, host2.Checksum);
        Assert.Equal(LeaseGeometry.Create(4096, 8 * LeaseGeometry.MiB), LeaseGeometry.FromLeader(host2.SectorSize, host2.Flags));
        AssertReencodes(bytes.AsSpan(4096, 4096), host2);
        var free = DeltaLease.FreeRecord(LeaseGeometry.Create(4096, 8 * LeaseGeometry.MiB), "LS1", 10).ToSector(4096);
        Assert.Equal(bytes.AsSpan(0, 4096).ToArray(), free);
    }

    [Fact]
    public void Held_paxos_leader_and_dblock_written_by_sanlock_daemon()
    {
        var bytes = Golden.Read("paxos-512-1M.bin");
        var leader = LeaseVerifier.VerifyPaxos(bytes.AsSpan(0, 512), "LS1", "RES1", 1, "golden");
        Assert.Equal((1UL, 1UL, 1UL, 353UL), (leader.OwnerId, leader.OwnerGeneration, leader.Lver, leader.Timestamp));
        Assert.Equal((2000UL, 2000UL), (leader.NumHosts, leader.MaxHosts));
        Assert.Equal((1UL, 1UL, 353UL), (leader.WriteId, leader.WriteGeneration, leader.WriteTimestamp));
        Assert.Equal(0x51f9451fu, leader.Checksum);
        AssertReencodes(bytes.AsSpan(0, 512), leader);

        var request = LeaseVerifier.VerifyRequest(bytes.AsSpan(512, 512), "golden");
        Assert.Equal(RequestRecord.Initial, request);

        var db = LeaseVerifier.VerifyDblock(bytes.AsSpan(1024, 512), "golden");
        Assert.Equal(new PaxosDblock { Mbal = 1, Bal = 1, Inp = 1, Inp2 = 1, Inp3 = 353, Lver = 1, Checksum = 0x2530bc72 }, db);
        var sector = new byte[512];
        db.Encode(sector);
        Assert.Equal(bytes.AsSpan(1024, 512).ToArray(), sector);
        Assert.False(ModeBlock.Decode(bytes.AsSpan(1024 + ModeBlock.SectorOffset)).IsShared);
    }

    [Fact]
    public void Released_paxos_lease_keeps_owner_and_lver_and_marks_dblock_released()
    {
        var bytes = Golden.Read("paxos-512-1M-released.bin");
        var leader = LeaseVerifier.VerifyPaxos(bytes.AsSpan(0, 512), "LS1", "RES1", 1, "golden");
        Assert.True(leader.IsFree);
        Assert.Equal((1UL, 1UL, 0xb0af4662u), (leader.OwnerId, leader.Lver, leader.Checksum));
        var db = LeaseVerifier.VerifyDblock(bytes.AsSpan(1024, 512), "golden");
        Assert.True(db.IsReleased);
        Assert.Equal(0x2530bc72u, db.Checksum);
        AssertReencodes(bytes.AsSpan(0, 512), leader);
    }

    [Fact]
    public async Task Fresh_4k_resource_initialised_by_sanlock_equals_ours()
    {
        var golden = Golden.Read("paxos-4k-1M.bin");
        var disk = new BlockIO.MemoryDisk(LeaseGeometry.MiB, 4096);
        var ld = new LeaseDisk(disk.Open(), 0, LeaseGeometry.Create(4096, LeaseGeometry.MiB), TimeSpan.FromSeconds(1));
        await PaxosLease.InitAsync(ld, "LS1", "RES1", null, default);
        Assert.Equal(golden, disk.Snapshot(0, golden.Length));
        Assert.Equal(0xa7119155u, LeaderRecord.Decode(golden).Checksum);
    }

    [Fact]
    public void Sanlock_crc_is_not_the_standard_crc32c()
    {
        // Standard CRC-32C("123456789") is 0xE3069283; sanlock's seed 0xFFFFFFFE and no final XOR differ.
        var check = "123456789"u8;
        Assert.NotEqual(0xE3069283u, SanlockCrc32c.Compute(check));
        Assert.Equal(0xE3069283u, ~StandardFromSanlockVariant(check));
    }

    /// <summary>The standard value via the same raw update with seed ~0: proves the update step is CRC-32C.</summary>
    private static uint StandardFromSanlockVariant(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    private static void AssertReencodes(ReadOnlySpan<byte> sector, LeaderRecord lr)
    {
        var ours = lr.ToSector(sector.Length);
        Assert.Equal(sector.ToArray(), ours);
    }
}
