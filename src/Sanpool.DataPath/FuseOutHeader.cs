using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_out_header, the 16 bytes that start every reply: total length, a negated errno (0 for
/// success; an error reply has no body) and the unique id of the request answered. Host byte
/// order, little-endian here (see <see cref="FuseInHeader"/>).
/// </summary>
internal readonly record struct FuseOutHeader(uint Length, int Error, ulong Unique)
{
    private const int LengthOffset = 0;
    private const int ErrorOffset = LengthOffset + 4;
    private const int UniqueOffset = ErrorOffset + 4;

    public const int Size = UniqueOffset + 8;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination[LengthOffset..], Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[ErrorOffset..], Error);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[UniqueOffset..], Unique);
    }
}
