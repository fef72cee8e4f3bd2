using System.Buffers.Binary;

namespace Sanpool.Nbd;

/// <summary>
/// One transmission-phase request header as on the wire (proto.md "Request message"), 28 bytes,
/// big-endian:
/// <code>
///  0  u32 magic   0x25609513 (NBD_REQUEST_MAGIC)
///  4  u16 flags   NBD_CMD_FLAG_*
///  6  u16 type    NBD_CMD_*
///  8  u64 handle  echoed in the reply
/// 16  u64 offset
/// 24  u32 length  (followed by length bytes of data for NBD_CMD_WRITE only)
/// </code>
/// </summary>
internal readonly record struct NbdRequest(uint Magic, ushort Flags, ushort Type, ulong Handle, ulong Offset, uint Length)
{
    private const int MagicOffset = 0;
    private const int FlagsOffset = MagicOffset + 4;
    private const int TypeOffset = FlagsOffset + 2;
    private const int HandleOffset = TypeOffset + 2;
    private const int OffsetOffset = HandleOffset + 8;
    private const int LengthOffset = OffsetOffset + 8;
    public const int Size = LengthOffset + 4;

    public static NbdRequest Read(ReadOnlySpan<byte> span) => new(
        BinaryPrimitives.ReadUInt32BigEndian(span[MagicOffset..]),
        BinaryPrimitives.ReadUInt16BigEndian(span[FlagsOffset..]),
        BinaryPrimitives.ReadUInt16BigEndian(span[TypeOffset..]),
        BinaryPrimitives.ReadUInt64BigEndian(span[HandleOffset..]),
        BinaryPrimitives.ReadUInt64BigEndian(span[OffsetOffset..]),
        BinaryPrimitives.ReadUInt32BigEndian(span[LengthOffset..]));

    public void Write(Span<byte> span)
    {
        BinaryPrimitives.WriteUInt32BigEndian(span[MagicOffset..], Magic);
        BinaryPrimitives.WriteUInt16BigEndian(span[FlagsOffset..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(span[TypeOffset..], Type);
        BinaryPrimitives.WriteUInt64BigEndian(span[HandleOffset..], Handle);
        BinaryPrimitives.WriteUInt64BigEndian(span[OffsetOffset..], Offset);
        BinaryPrimitives.WriteUInt32BigEndian(span[LengthOffset..], Length);
    }
}
