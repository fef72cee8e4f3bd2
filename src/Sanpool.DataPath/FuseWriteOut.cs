using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>fuse_write_out, the reply to WRITE: how many bytes were written. Little-endian host order.</summary>
internal readonly record struct FuseWriteOut(uint Written)
{
    private const int WrittenOffset = 0;
    private const int PaddingOffset = WrittenOffset + 4;

    public const int Size = PaddingOffset + 4;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination[WrittenOffset..], Written);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[PaddingOffset..], 0);
    }
}
