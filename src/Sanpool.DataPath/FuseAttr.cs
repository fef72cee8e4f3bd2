using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_attr, a file's stat data as the kernel caches it (88 bytes since 7.9). All three times
/// are the same here: volumes do not track access or change times. Little-endian host order.
/// </summary>
internal readonly record struct FuseAttr(
    ulong Inode,
    ulong FileSize,
    ulong Blocks,
    long TimeSeconds,
    uint TimeNanoseconds,
    uint Mode,
    uint LinkCount,
    uint Uid,
    uint Gid,
    uint BlockSize)
{
    /// <summary>S_IFDIR and S_IFREG, the file type bits of st_mode.</summary>
    public const uint DirectoryType = 0x4000;
    public const uint RegularType = 0x8000;

    private const int InodeOffset = 0;
    private const int SizeOffset = InodeOffset + 8;
    private const int BlocksOffset = SizeOffset + 8;
    private const int AtimeOffset = BlocksOffset + 8;
    private const int MtimeOffset = AtimeOffset + 8;
    private const int CtimeOffset = MtimeOffset + 8;
    private const int AtimeNsecOffset = CtimeOffset + 8;
    private const int MtimeNsecOffset = AtimeNsecOffset + 4;
    private const int CtimeNsecOffset = MtimeNsecOffset + 4;
    private const int ModeOffset = CtimeNsecOffset + 4;
    private const int NlinkOffset = ModeOffset + 4;
    private const int UidOffset = NlinkOffset + 4;
    private const int GidOffset = UidOffset + 4;
    private const int RdevOffset = GidOffset + 4;
    private const int BlockSizeOffset = RdevOffset + 4;
    private const int FlagsOffset = BlockSizeOffset + 4;

    public const int Size = FlagsOffset + 4;

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination[InodeOffset..], Inode);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[SizeOffset..], FileSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[BlocksOffset..], Blocks);
        BinaryPrimitives.WriteInt64LittleEndian(destination[AtimeOffset..], TimeSeconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[MtimeOffset..], TimeSeconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[CtimeOffset..], TimeSeconds);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[AtimeNsecOffset..], TimeNanoseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MtimeNsecOffset..], TimeNanoseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CtimeNsecOffset..], TimeNanoseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[ModeOffset..], Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[NlinkOffset..], LinkCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[UidOffset..], Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[GidOffset..], Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[BlockSizeOffset..], BlockSize);
    }
}
