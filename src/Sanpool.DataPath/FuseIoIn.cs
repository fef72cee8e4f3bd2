using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_read_in and fuse_write_in, which share one 40-byte layout (since 7.9): the file handle,
/// the byte offset and length. READDIR uses fuse_read_in too, with the offset as a directory
/// cookie. A WRITE's data follows this struct. Little-endian host order.
/// </summary>
internal readonly record struct FuseIoIn(ulong Handle, ulong Offset, uint Length)
{
    private const int HandleOffset = 0;
    private const int OffsetOffset = HandleOffset + 8;
    private const int LengthOffset = OffsetOffset + 8;
    private const int IoFlagsOffset = LengthOffset + 4;
    private const int LockOwnerOffset = IoFlagsOffset + 4;
    private const int FlagsOffset = LockOwnerOffset + 8;
    private const int PaddingOffset = FlagsOffset + 4;

    public const int Size = PaddingOffset + 4;

    public static FuseIoIn Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < Size)
        {
            throw new InvalidDataException($"FUSE read/write body of {body.Length} bytes is shorter than {Size}");
        }

        return new FuseIoIn(
            BinaryPrimitives.ReadUInt64LittleEndian(body[HandleOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[OffsetOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[LengthOffset..]));
    }
}
