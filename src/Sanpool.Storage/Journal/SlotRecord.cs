using System.Buffers.Binary;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Storage.Journal;

/// <summary>
/// One copy of a slot of a <see cref="SlotArea"/> on disk. Little-endian throughout.
/// <code>
/// 0   magic     8  the area's: "SPJRNL01" (journal), "SPTASK01" (tasks), "SPHOST01" (host reports)
/// 8   checksum  4  CRC-32C (sanlock's seed, no final xor) of bytes [12, 32 + length)
/// 12  version   4  1
/// 16  sequence  8  grows by one on every write of the slot; the higher valid copy wins
/// 24  length    4  bytes of body; 0 = the slot is free
/// 28  reserved  4  0
/// 32  body      length bytes of UTF-8 JSON
/// ...           zeros up to the copy's size
/// </code>
/// A copy with another magic or a bad checksum is ignored: never written, or torn by a crash.
/// </summary>
public sealed record SlotRecord(ulong Sequence, byte[] Body)
{
    public const int Version = 1;

    public static class Offsets
    {
        public const int Magic = 0;
        public const int Checksum = Magic + 8;
        public const int Version = Checksum + 4;
        public const int Sequence = Version + 4;
        public const int Length = Sequence + 8;
        public const int Reserved = Length + 4;
        public const int Body = Reserved + 4;

        /// <summary>The checksum covers everything after itself.</summary>
        public const int ChecksumStart = Version;
    }

    public bool IsFree => Body.Length == 0;

    /// <summary>Writes the record over the whole of <paramref name="destination"/> (one copy).</summary>
    public void Write(Span<byte> destination, ReadOnlySpan<byte> magic)
    {
        if (Body.Length > destination.Length - Offsets.Body)
        {
            throw new InvalidDataException($"slot record of {Body.Length} bytes; at most {destination.Length - Offsets.Body}");
        }

        destination.Clear();
        magic.CopyTo(destination[Offsets.Magic..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Offsets.Version..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[Offsets.Sequence..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Offsets.Length..], (uint)Body.Length);
        Body.CopyTo(destination[Offsets.Body..]);
        uint crc = SanlockCrc32c.Compute(destination[Offsets.ChecksumStart..(Offsets.Body + Body.Length)]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Offsets.Checksum..], crc);
    }

    /// <summary>The record in <paramref name="source"/> (one copy), or null if there is no valid one.</summary>
    public static SlotRecord? TryRead(ReadOnlySpan<byte> source, ReadOnlySpan<byte> magic)
    {
        if (source.Length < Offsets.Body || !source[..8].SequenceEqual(magic))
        {
            return null;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(source[Offsets.Length..]);
        if (length > source.Length - Offsets.Body || BinaryPrimitives.ReadUInt32LittleEndian(source[Offsets.Version..]) != Version)
        {
            return null;
        }

        uint crc = SanlockCrc32c.Compute(source[Offsets.ChecksumStart..(Offsets.Body + (int)length)]);
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(source[Offsets.Checksum..]))
        {
            return null;
        }

        return new SlotRecord(BinaryPrimitives.ReadUInt64LittleEndian(source[Offsets.Sequence..]),
            source.Slice(Offsets.Body, (int)length).ToArray());
    }
}
