using System.Buffers.Binary;

namespace Sanpool.Nbd;

/// <summary>
/// The server's messages as bytes (proto.md), all big-endian. Each writer fills a span and
/// returns the bytes written.
/// <code>
/// greeting (18):      u64 NBDMAGIC, u64 IHAVEOPT, u16 handshake flags
/// option header (16): u64 IHAVEOPT, u32 option, u32 data length          (from the client)
/// option reply (20+): u64 0x3e889045565a9, u32 option, u32 reply type, u32 data length, data
/// INFO_EXPORT (12):   u16 0, u64 size, u16 transmission flags
/// INFO_BLOCK_SIZE (14): u16 3, u32 minimum, u32 preferred, u32 maximum
/// EXPORT_NAME reply (10 [+124 zeroes]): u64 size, u16 transmission flags
/// simple reply (16):  u32 0x67446698, u32 error, u64 handle              (then data for a read)
/// </code>
/// </summary>
internal static class NbdWire
{
    public const int GreetingSize = 18;
    public const int OptionHeaderSize = 16;
    public const int OptionReplyHeaderSize = 20;
    public const int InfoExportSize = 12;
    public const int InfoBlockSizeSize = 14;
    public const int ExportNameReplySize = 10;

    public static int WriteGreeting(Span<byte> span, ushort handshakeFlags)
    {
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdProtocol.NbdMagic);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], NbdProtocol.IHaveOpt);
        BinaryPrimitives.WriteUInt16BigEndian(span[16..], handshakeFlags);
        return GreetingSize;
    }

    /// <summary>Reads an option header: (magic, option, length).</summary>
    public static (ulong Magic, uint Option, uint Length) ReadOptionHeader(ReadOnlySpan<byte> span) => (
        BinaryPrimitives.ReadUInt64BigEndian(span),
        BinaryPrimitives.ReadUInt32BigEndian(span[8..]),
        BinaryPrimitives.ReadUInt32BigEndian(span[12..]));

    public static int WriteOptionReplyHeader(Span<byte> span, uint option, uint replyType, int dataLength)
    {
        BinaryPrimitives.WriteUInt64BigEndian(span, NbdProtocol.OptionReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], option);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], replyType);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)dataLength);
        return OptionReplyHeaderSize;
    }

    public static int WriteInfoExport(Span<byte> span, ulong size, ushort transmissionFlags)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span, NbdProtocol.InfoExport);
        BinaryPrimitives.WriteUInt64BigEndian(span[2..], size);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], transmissionFlags);
        return InfoExportSize;
    }

    public static int WriteInfoBlockSize(Span<byte> span, uint minimum, uint preferred, uint maximum)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span, NbdProtocol.InfoBlockSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], minimum);
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], preferred);
        BinaryPrimitives.WriteUInt32BigEndian(span[10..], maximum);
        return InfoBlockSizeSize;
    }

    public static int WriteExportNameReply(Span<byte> span, ulong size, ushort transmissionFlags, bool zeroes)
    {
        BinaryPrimitives.WriteUInt64BigEndian(span, size);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], transmissionFlags);
        if (!zeroes)
        {
            return ExportNameReplySize;
        }

        span.Slice(ExportNameReplySize, NbdProtocol.ExportNameZeroes).Clear();
        return ExportNameReplySize + NbdProtocol.ExportNameZeroes;
    }

    public static int WriteSimpleReply(Span<byte> span, NbdErrno error, ulong handle)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span, NbdProtocol.SimpleReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(span[8..], handle);
        return NbdProtocol.SimpleReplySize;
    }
}
