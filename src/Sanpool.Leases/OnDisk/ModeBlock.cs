using System.Buffers.Binary;

namespace Sanpool.Leases.OnDisk;

/// <summary>
/// sanlock's mode block (struct mode_block): 16 bytes at byte 128 of a host's dblock sector,
/// saying the host holds the lease shared. Little-endian. Writing a dblock writes the whole
/// sector, which zeroes the mode block unless it is written in the same sector image.
/// <code>
///  off size field
///  0x00  4  flags       SHARED = 1
///  0x04  4  (pad)
///  0x08  8  generation  the shared holder's host generation
/// </code>
/// </summary>
public sealed record ModeBlock(uint Flags, ulong Generation)
{
    /// <summary>Where the mode block sits within the dblock's sector.</summary>
    public const int SectorOffset = 128;

    public const uint FlagShared = 0x1;

    public const int Size = Offsets.End;

    public static readonly ModeBlock None = new(0, 0);

    public bool IsShared => (Flags & FlagShared) != 0;

    public static ModeBlock Decode(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Flags..]),
        BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Generation..]));

    public void Encode(Span<byte> b)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Flags..], Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Generation..], Generation);
    }

    public static class Offsets
    {
        public const int Flags = 0;
        public const int Pad = Flags + 4;
        public const int Generation = Pad + 4;
        public const int End = Generation + 8;
    }
}
