using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_open_out, the reply to OPEN and OPENDIR: the server's handle for the open file and the
/// FOPEN_* flags. Little-endian host order.
/// </summary>
internal readonly record struct FuseOpenOut(ulong Handle, uint OpenFlags)
{
    /// <summary>FOPEN_DIRECT_IO: every read and write of this open file comes to the server; no page cache.</summary>
    public const uint DirectIo = 1u << 0;

    private const int HandleOffset = 0;
    private const int OpenFlagsOffset = HandleOffset + 8;
    private const int PaddingOffset = OpenFlagsOffset + 4;

    public const int Size = PaddingOffset + 4;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination[HandleOffset..], Handle);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[OpenFlagsOffset..], OpenFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[PaddingOffset..], 0);
    }
}
