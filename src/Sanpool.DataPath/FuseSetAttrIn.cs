using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_setattr_in (88 bytes): which attributes to change (FATTR_* bits in valid) and their new
/// values. Only the size matters here; mode, owner and times are accepted and ignored.
/// Little-endian host order.
/// </summary>
internal readonly record struct FuseSetAttrIn(uint Valid, ulong Size)
{
    /// <summary>FATTR_SIZE: a truncate.</summary>
    public const uint SizeValid = 1u << 3;

    private const int ValidOffset = 0;
    private const int PaddingOffset = ValidOffset + 4;
    private const int HandleOffset = PaddingOffset + 4;
    private const int SizeOffset = HandleOffset + 8;

    /// <summary>The struct continues (lock owner, times, mode, uid, gid) to 88 bytes; none of it is read.</summary>
    public const int EncodedSize = 88;

    public bool SetsSize => (Valid & SizeValid) != 0;

    public static FuseSetAttrIn Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < EncodedSize)
        {
            throw new InvalidDataException($"FUSE setattr body of {body.Length} bytes is shorter than {EncodedSize}");
        }

        return new FuseSetAttrIn(
            BinaryPrimitives.ReadUInt32LittleEndian(body[ValidOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[SizeOffset..]));
    }
}
