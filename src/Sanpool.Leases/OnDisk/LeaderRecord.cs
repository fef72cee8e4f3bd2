using System.Buffers.Binary;

namespace Sanpool.Leases.OnDisk;

/// <summary>
/// sanlock's leader record (struct leader_record, sanlock 3.8.5): the first 200 bytes of the
/// first sector of a resource area (paxos lease), and of each host's sector in a lockspace
/// area (delta lease). The rest of the sector is zero, except the delta request bitmap.
/// All integers are little-endian.
///
/// <code>
///  off size field              delta lease             paxos lease
///  0x00  4  magic              0x12212010              0x06152010 (cleared 0x11282016)
///  0x04  4  version            0x00030004              0x00060004 (major = high 16 bits)
///  0x08  4  flags              ALIGN_*                 ALIGN_*, SHORT_HOLD
///  0x0C  4  sector_size        512 | 4096
///  0x10  8  num_hosts          0                       dblocks in use
///  0x18  8  max_hosts          1                       250 .. 2000
///  0x20  8  owner_id           host id                 owning host id
///  0x28  8  owner_generation
///  0x30  8  lver               0                       lease version
///  0x38 48  space_name         lockspace name, NUL-padded
///  0x68 48  resource_name      the host's unique name  resource name
///  0x98  8  timestamp          writer's monotonic s; 0 = free
///  0xA0  8  unused1
///  0xA8  4  checksum           CRC over [0, 0xA8) (<see cref="SanlockCrc32c"/>)
///  0xAC  2  unused2
///  0xAE  2  io_timeout         writer's io_timeout     0
///  0xB0  8  write_id           extra1                  host that wrote the leader
///  0xB8  8  write_generation   extra2
///  0xC0  8  write_timestamp    extra3
/// </code>
/// </summary>
public sealed record LeaderRecord
{
    public const uint DeltaMagic = 0x12212010;
    public const uint PaxosMagic = 0x06152010;
    public const uint PaxosClearedMagic = 0x11282016;
    public const uint DeltaVersion = 0x00030004;
    public const uint PaxosVersion = 0x00060004;
    public const uint MajorVersionMask = 0xFFFF0000;

    public const uint FlagShortHold = 0x1;

    /// <summary>Bytes encoded; the rest of the sector is not part of the record.</summary>
    public const int Size = Offsets.End;

    /// <summary>The bytes the checksum covers: everything before the checksum field.</summary>
    public const int ChecksumLength = Offsets.Checksum;

    public uint Magic { get; init; }
    public uint Version { get; init; }
    public uint Flags { get; init; }
    public uint SectorSize { get; init; }
    public ulong NumHosts { get; init; }
    public ulong MaxHosts { get; init; }
    public ulong OwnerId { get; init; }
    public ulong OwnerGeneration { get; init; }
    public ulong Lver { get; init; }
    public string SpaceName { get; init; } = "";
    public string ResourceName { get; init; } = "";
    public ulong Timestamp { get; init; }
    public ulong Unused1 { get; init; }

    /// <summary>The checksum as stored. <see cref="Encode"/> ignores it and writes a fresh one.</summary>
    public uint Checksum { get; init; }

    public ushort Unused2 { get; init; }
    public ushort IoTimeout { get; init; }
    public ulong WriteId { get; init; }
    public ulong WriteGeneration { get; init; }
    public ulong WriteTimestamp { get; init; }

    public bool IsFree => Timestamp == 0;

    /// <summary>Decodes without any check; see <see cref="LeaderVerifier"/>.</summary>
    public static LeaderRecord Decode(ReadOnlySpan<byte> b) => new()
    {
        Magic = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Magic..]),
        Version = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Version..]),
        Flags = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Flags..]),
        SectorSize = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.SectorSize..]),
        NumHosts = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.NumHosts..]),
        MaxHosts = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.MaxHosts..]),
        OwnerId = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.OwnerId..]),
        OwnerGeneration = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.OwnerGeneration..]),
        Lver = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Lver..]),
        SpaceName = LeaseNames.Read(b.Slice(Offsets.SpaceName, LeaseNames.Size)),
        ResourceName = LeaseNames.Read(b.Slice(Offsets.ResourceName, LeaseNames.Size)),
        Timestamp = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Timestamp..]),
        Unused1 = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Unused1..]),
        Checksum = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Checksum..]),
        Unused2 = BinaryPrimitives.ReadUInt16LittleEndian(b[Offsets.Unused2..]),
        IoTimeout = BinaryPrimitives.ReadUInt16LittleEndian(b[Offsets.IoTimeout..]),
        WriteId = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.WriteId..]),
        WriteGeneration = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.WriteGeneration..]),
        WriteTimestamp = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.WriteTimestamp..]),
    };

    /// <summary>Writes the 200 bytes with a freshly computed checksum, which is returned.</summary>
    public uint Encode(Span<byte> b)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Magic..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Version..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Flags..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.SectorSize..], SectorSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.NumHosts..], NumHosts);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.MaxHosts..], MaxHosts);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.OwnerId..], OwnerId);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.OwnerGeneration..], OwnerGeneration);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Lver..], Lver);
        LeaseNames.Write(b.Slice(Offsets.SpaceName, LeaseNames.Size), SpaceName);
        LeaseNames.Write(b.Slice(Offsets.ResourceName, LeaseNames.Size), ResourceName);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Timestamp..], Timestamp);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Unused1..], Unused1);
        BinaryPrimitives.WriteUInt16LittleEndian(b[Offsets.Unused2..], Unused2);
        BinaryPrimitives.WriteUInt16LittleEndian(b[Offsets.IoTimeout..], IoTimeout);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.WriteId..], WriteId);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.WriteGeneration..], WriteGeneration);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.WriteTimestamp..], WriteTimestamp);

        // The checksum is computed over the little-endian bytes, after encoding.
        uint checksum = ComputeChecksum(b);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Checksum..], checksum);
        return checksum;
    }

    /// <summary>Encodes into a fresh sector-sized buffer (the rest zero), ready to write.</summary>
    public byte[] ToSector(int sectorSize)
    {
        var sector = new byte[sectorSize];
        Encode(sector);
        return sector;
    }

    public static uint ComputeChecksum(ReadOnlySpan<byte> encoded) => SanlockCrc32c.Compute(encoded[..ChecksumLength]);

    /// <summary>Field offsets, each the previous offset plus the previous length.</summary>
    public static class Offsets
    {
        public const int Magic = 0;
        public const int Version = Magic + 4;
        public const int Flags = Version + 4;
        public const int SectorSize = Flags + 4;
        public const int NumHosts = SectorSize + 4;
        public const int MaxHosts = NumHosts + 8;
        public const int OwnerId = MaxHosts + 8;
        public const int OwnerGeneration = OwnerId + 8;
        public const int Lver = OwnerGeneration + 8;
        public const int SpaceName = Lver + 8;
        public const int ResourceName = SpaceName + LeaseNames.Size;
        public const int Timestamp = ResourceName + LeaseNames.Size;
        public const int Unused1 = Timestamp + 8;
        public const int Checksum = Unused1 + 8;
        public const int Unused2 = Checksum + 4;
        public const int IoTimeout = Unused2 + 2;
        public const int WriteId = IoTimeout + 2;
        public const int WriteGeneration = WriteId + 8;
        public const int WriteTimestamp = WriteGeneration + 8;
        public const int End = WriteTimestamp + 8;
    }
}
