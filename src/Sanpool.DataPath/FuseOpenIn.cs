using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>fuse_open_in, the body of OPEN and OPENDIR: the open(2) flags. Little-endian host order.</summary>
internal readonly record struct FuseOpenIn(int Flags)
{
    /// <summary>O_ACCMODE and its values.</summary>
    public const int AccessModeMask = 0x3;
    public const int ReadOnlyAccess = 0x0;

    private const int FlagsOffset = 0;
    private const int OpenFlagsOffset = FlagsOffset + 4;

    public const int Size = OpenFlagsOffset + 4;

    public bool WantsWrite => (Flags & AccessModeMask) != ReadOnlyAccess;

    public static FuseOpenIn Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < Size)
        {
            throw new InvalidDataException($"FUSE open body of {body.Length} bytes is shorter than {Size}");
        }

        return new FuseOpenIn(BinaryPrimitives.ReadInt32LittleEndian(body[FlagsOffset..]));
    }
}
