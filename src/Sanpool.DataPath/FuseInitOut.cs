using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_init_out, the server's answer to INIT: the version it speaks and its limits.
/// 64 bytes, the size the kernel has read since 7.23; fields after max_pages are zero.
/// Little-endian host order.
/// </summary>
internal readonly record struct FuseInitOut(
    uint Major,
    uint Minor,
    uint MaxReadahead,
    FuseInitFlags Flags,
    ushort MaxBackground,
    ushort CongestionThreshold,
    uint MaxWrite,
    uint TimeGranularity,
    ushort MaxPages)
{
    private const int MajorOffset = 0;
    private const int MinorOffset = MajorOffset + 4;
    private const int MaxReadaheadOffset = MinorOffset + 4;
    private const int FlagsOffset = MaxReadaheadOffset + 4;
    private const int MaxBackgroundOffset = FlagsOffset + 4;
    private const int CongestionThresholdOffset = MaxBackgroundOffset + 2;
    private const int MaxWriteOffset = CongestionThresholdOffset + 2;
    private const int TimeGranularityOffset = MaxWriteOffset + 4;
    private const int MaxPagesOffset = TimeGranularityOffset + 4;
    private const int MapAlignmentOffset = MaxPagesOffset + 2;
    private const int Flags2Offset = MapAlignmentOffset + 2;
    private const int ReservedOffset = Flags2Offset + 4;
    private const int ReservedLength = 7 * 4;

    public const int Size = ReservedOffset + ReservedLength;

    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MajorOffset..], Major);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MinorOffset..], Minor);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MaxReadaheadOffset..], MaxReadahead);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[FlagsOffset..], (uint)Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[MaxBackgroundOffset..], MaxBackground);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[CongestionThresholdOffset..], CongestionThreshold);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MaxWriteOffset..], MaxWrite);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[TimeGranularityOffset..], TimeGranularity);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[MaxPagesOffset..], MaxPages);
    }
}
