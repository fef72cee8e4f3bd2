using System.Buffers.Binary;
using System.Text;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Storage.Journal;

/// <summary>
/// One copy of a journal slot on disk. Little-endian throughout.
/// <code>
/// 0   magic     8  "SPJRNL01"
/// 8   checksum  4  CRC-32C (sanlock's seed, no final xor) of bytes [12, 32 + length)
/// 12  version   4  1
/// 16  sequence  8  grows by one on every write of the slot; the higher valid copy wins
/// 24  length    4  bytes of body; 0 = the slot is free
/// 28  reserved  4  0
/// 32  body      length bytes of UTF-8 JSON (<see cref="JournalEntry"/>)
/// </code>
/// A copy with another magic or a bad checksum is ignored: never written, or torn by a crash.
/// </summary>
public sealed record JournalRecord(ulong Sequence, byte[] Body)
{
    public const int Version = 1;

    public static ReadOnlySpan<byte> Magic => "SPJRNL01"u8;

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

    public const int MaxBody = JournalArea.CopySize - Offsets.Body;

    public bool IsFree => Body.Length == 0;

    public string Text => Encoding.UTF8.GetString(Body);

    public void Write(Span<byte> destination)
    {
        if (Body.Length > MaxBody)
        {
            throw new InvalidDataException($"journal record of {Body.Length} bytes; at most {MaxBody}");
        }

        destination[..JournalArea.CopySize].Clear();
        Magic.CopyTo(destination[Offsets.Magic..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Offsets.Version..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[Offsets.Sequence..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Offsets.Length..], (uint)Body.Length);
        Body.CopyTo(destination[Offsets.Body..]);
        uint crc = SanlockCrc32c.Compute(destination[Offsets.ChecksumStart..(Offsets.Body + Body.Length)]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[Offsets.Checksum..], crc);
    }

    /// <summary>The record in <paramref name="source"/>, or null if there is no valid one.</summary>
    public static JournalRecord? TryRead(ReadOnlySpan<byte> source)
    {
        if (source.Length < Offsets.Body || !source[..8].SequenceEqual(Magic))
        {
            return null;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(source[Offsets.Length..]);
        if (length > MaxBody || Offsets.Body + length > source.Length
            || BinaryPrimitives.ReadUInt32LittleEndian(source[Offsets.Version..]) != Version)
        {
            return null;
        }

        uint crc = SanlockCrc32c.Compute(source[Offsets.ChecksumStart..(Offsets.Body + (int)length)]);
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(source[Offsets.Checksum..]))
        {
            return null;
        }

        return new JournalRecord(BinaryPrimitives.ReadUInt64LittleEndian(source[Offsets.Sequence..]),
            source.Slice(Offsets.Body, (int)length).ToArray());
    }
}
