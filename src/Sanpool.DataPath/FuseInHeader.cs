using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_in_header, the 40 bytes that start every request the kernel sends. FUSE is in host
/// byte order; Sanpool only mounts on little-endian hosts (x86_64, aarch64), so every field is
/// read little-endian.
/// </summary>
internal readonly record struct FuseInHeader(uint Length, FuseOpcode Opcode, ulong Unique, ulong NodeId, uint Uid, uint Gid, uint Pid)
{
    private const int LengthOffset = 0;
    private const int OpcodeOffset = LengthOffset + 4;
    private const int UniqueOffset = OpcodeOffset + 4;
    private const int NodeIdOffset = UniqueOffset + 8;
    private const int UidOffset = NodeIdOffset + 8;
    private const int GidOffset = UidOffset + 4;
    private const int PidOffset = GidOffset + 4;
    private const int TotalExtLengthOffset = PidOffset + 4;
    private const int PaddingOffset = TotalExtLengthOffset + 2;

    public const int Size = PaddingOffset + 2;

    /// <exception cref="InvalidDataException">Fewer than 40 bytes, or a length that disagrees with what was read.</exception>
    public static FuseInHeader Read(ReadOnlySpan<byte> message)
    {
        if (message.Length < Size)
        {
            throw new InvalidDataException($"FUSE request of {message.Length} bytes is shorter than its {Size}-byte header");
        }

        var header = new FuseInHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(message[LengthOffset..]),
            (FuseOpcode)BinaryPrimitives.ReadUInt32LittleEndian(message[OpcodeOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(message[UniqueOffset..]),
            BinaryPrimitives.ReadUInt64LittleEndian(message[NodeIdOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(message[UidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(message[GidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(message[PidOffset..]));
        if (header.Length != message.Length)
        {
            throw new InvalidDataException($"FUSE request says {header.Length} bytes but {message.Length} were read");
        }

        return header;
    }
}
