using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_release_in (24 bytes), the body of RELEASE and RELEASEDIR; only the handle is read.
/// FLUSH's and FSYNC's bodies also start with the handle. Little-endian host order.
/// </summary>
internal readonly record struct FuseReleaseIn(ulong Handle)
{
    private const int HandleOffset = 0;
    private const int FlagsOffset = HandleOffset + 8;
    private const int ReleaseFlagsOffset = FlagsOffset + 4;
    private const int LockOwnerOffset = ReleaseFlagsOffset + 4;

    public const int Size = LockOwnerOffset + 8;

    public static FuseReleaseIn Read(ReadOnlySpan<byte> body)
    {
        if (body.Length < HandleOffset + 8)
        {
            throw new InvalidDataException($"FUSE release body of {body.Length} bytes has no handle");
        }

        return new FuseReleaseIn(BinaryPrimitives.ReadUInt64LittleEndian(body[HandleOffset..]));
    }
}
