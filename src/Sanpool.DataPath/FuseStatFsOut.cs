using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_statfs_out (a fuse_kstatfs, 80 bytes): totals for statfs(2). Nothing is ever free: the
/// file system cannot create files or grow them. Little-endian host order.
/// </summary>
internal readonly record struct FuseStatFsOut(ulong Blocks, ulong Files, uint BlockSize, uint NameLength)
{
    private const int BlocksOffset = 0;
    private const int BfreeOffset = BlocksOffset + 8;
    private const int BavailOffset = BfreeOffset + 8;
    private const int FilesOffset = BavailOffset + 8;
    private const int FfreeOffset = FilesOffset + 8;
    private const int BsizeOffset = FfreeOffset + 8;
    private const int NameLengthOffset = BsizeOffset + 4;
    private const int FrsizeOffset = NameLengthOffset + 4;
    private const int PaddingOffset = FrsizeOffset + 4;
    private const int SpareOffset = PaddingOffset + 4;

    public const int Size = SpareOffset + (6 * 4);

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination[BlocksOffset..], Blocks);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[FilesOffset..], Files);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[BsizeOffset..], BlockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[NameLengthOffset..], NameLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[FrsizeOffset..], BlockSize);
    }
}
