using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// The blocks a file really uses (stat's st_blocks x 512): a sparse volume's truesize, and a
/// file system's free space. .NET has no API for either. The offsets are of x86-64 glibc's <c>struct stat</c>.
/// </summary>
internal static partial class FileStat
{
    private const int StatSize = 144;
    private const int BlocksOffset = 64;

    public static long AllocatedBytes(string path)
    {
        var buffer = new byte[StatSize];
        if (Stat(path, buffer) != 0)
        {
            return new FileInfo(path).Length;
        }

        return BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(BlocksOffset)) * 512;
    }

    /// <summary>statvfs(3): the file system's size and the bytes an unprivileged writer may still use, or null if it cannot be read.</summary>
    public static DomainSpace? FileSystemSpace(string path)
    {
        // x86-64 glibc struct statvfs: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, ... (unsigned longs).
        var buffer = new byte[112];
        if (StatVfs(path, buffer) != 0)
        {
            return null;
        }

        ulong fragment = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8));
        ulong blocks = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(16));
        ulong available = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
        return new DomainSpace((long)(blocks * fragment), (long)(available * fragment));
    }

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatVfs(string path, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, [Out] byte[] buffer);
}
