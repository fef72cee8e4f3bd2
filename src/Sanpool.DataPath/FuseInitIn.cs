using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_init_in, the body of the kernel's first request: its protocol version, readahead and
/// the capability flags it offers. Only the first 16 bytes exist in every version (flags2 and
/// the reserved words came with 7.36 and are not used here). Little-endian host order.
/// </summary>
internal readonly record struct FuseInitIn(uint Major, uint Minor, uint MaxReadahead, FuseInitFlags Flags)
{
    private const int MajorOffset = 0;
    private const int MinorOffset = MajorOffset + 4;
    private const int MaxReadaheadOffset = MinorOffset + 4;
    private const int FlagsOffset = MaxReadaheadOffset + 4;

    public const int MinimumSize = FlagsOffset + 4;

    public static FuseInitIn Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < MinimumSize)
        {
            throw new InvalidDataException($"FUSE INIT body of {body.Length} bytes is shorter than {MinimumSize}");
        }

        return new FuseInitIn(
            BinaryPrimitives.ReadUInt32LittleEndian(body[MajorOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[MinorOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[MaxReadaheadOffset..]),
            (FuseInitFlags)BinaryPrimitives.ReadUInt32LittleEndian(body[FlagsOffset..]));
    }
}
