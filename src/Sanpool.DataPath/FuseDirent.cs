using System.Buffers.Binary;
using System.Text;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_dirent, one entry of a READDIR reply: inode, the cookie of the entry after it, the
/// name's length, its DT_* type, then the name (no NUL), padded to a multiple of 8 bytes.
/// Little-endian host order.
/// </summary>
internal readonly record struct FuseDirent(ulong Inode, ulong NextCookie, string Name, bool IsDirectory)
{
    /// <summary>DT_DIR and DT_REG.</summary>
    private const uint DirectoryType = 4;
    private const uint RegularType = 8;

    private const int InodeOffset = 0;
    private const int NextCookieOffset = InodeOffset + 8;
    private const int NameLengthOffset = NextCookieOffset + 8;
    private const int TypeOffset = NameLengthOffset + 4;
    private const int NameOffset = TypeOffset + 4;

    /// <summary>The entry's size in the reply, padding included.</summary>
    public int EncodedSize => (NameOffset + Encoding.UTF8.GetByteCount(Name) + 7) & ~7;

    /// <summary>Writes the entry if it fits; returns the bytes used, or 0 if it does not fit.</summary>
    public int TryWrite(Span<byte> destination)
    {
        int size = EncodedSize;
        if (size > destination.Length)
        {
            return 0;
        }

        destination[..size].Clear();
        int nameLength = Encoding.UTF8.GetBytes(Name, destination[NameOffset..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[InodeOffset..], Inode);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[NextCookieOffset..], NextCookie);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[NameLengthOffset..], (uint)nameLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[TypeOffset..], IsDirectory ? DirectoryType : RegularType);
        return size;
    }
}
