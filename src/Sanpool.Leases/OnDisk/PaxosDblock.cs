using System.Buffers.Binary;

namespace Sanpool.Leases.OnDisk;

/// <summary>
/// A host's disk block in a paxos lease (struct paxos_dblock): the first 56 bytes of host h's
/// sector, sector 2 + (h - 1) of the resource area. Little-endian. The names are the Disk
/// Paxos paper's: mbal is the ballot number a host is working on, bal the last ballot in which
/// it proposed, inp its proposal (owner host id, inp2 the owner's generation, inp3 the
/// proposer's monotonic time, which becomes the leader's timestamp).
///
/// <code>
///  off size field
///  0x00  8  mbal
///  0x08  8  bal
///  0x10  8  inp        proposed owner host id
///  0x18  8  inp2       its generation
///  0x20  8  inp3       proposer's monotonic time
///  0x28  8  lver       the lease version this ballot is for
///  0x30  4  checksum   CRC over [0, 0x30)
///  0x34  4  flags      RELEASED = 1
/// </code>
/// An all-zero dblock (never written) is valid. The mode block lives at byte 128 of the same
/// sector (<see cref="ModeBlock"/>).
/// </summary>
public sealed record PaxosDblock
{
    public const uint FlagReleased = 0x1;

    public const int Size = Offsets.End;

    public const int ChecksumLength = Offsets.Checksum;

    public static readonly PaxosDblock Empty = new();

    public ulong Mbal { get; init; }
    public ulong Bal { get; init; }
    public ulong Inp { get; init; }
    public ulong Inp2 { get; init; }
    public ulong Inp3 { get; init; }
    public ulong Lver { get; init; }

    /// <summary>The checksum as stored; <see cref="Encode"/> writes a fresh one.</summary>
    public uint Checksum { get; init; }

    public uint Flags { get; init; }

    public bool IsReleased => (Flags & FlagReleased) != 0;

    public static PaxosDblock Decode(ReadOnlySpan<byte> b) => new()
    {
        Mbal = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Mbal..]),
        Bal = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Bal..]),
        Inp = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Inp..]),
        Inp2 = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Inp2..]),
        Inp3 = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Inp3..]),
        Lver = BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Lver..]),
        Checksum = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Checksum..]),
        Flags = BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Flags..]),
    };

    public uint Encode(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Mbal..], Mbal);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Bal..], Bal);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Inp..], Inp);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Inp2..], Inp2);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Inp3..], Inp3);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Lver..], Lver);
        uint checksum = ComputeChecksum(b);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Checksum..], checksum);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Flags..], Flags);
        return checksum;
    }

    public static uint ComputeChecksum(ReadOnlySpan<byte> encoded) => SanlockCrc32c.Compute(encoded[..ChecksumLength]);

    /// <summary>True for a block no host ever wrote: all 56 bytes zero (checksum included).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> encoded) => !encoded[..Size].ContainsAnyExcept((byte)0);

    public static class Offsets
    {
        public const int Mbal = 0;
        public const int Bal = Mbal + 8;
        public const int Inp = Bal + 8;
        public const int Inp2 = Inp + 8;
        public const int Inp3 = Inp2 + 8;
        public const int Lver = Inp3 + 8;
        public const int Checksum = Lver + 8;
        public const int Flags = Checksum + 4;
        public const int End = Flags + 4;
    }
}
