using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// The blocks a file really uses (stat's st_blocks x 512): a sparse volume's truesize. .NET
/// has no API for it. The offsets are of x86-64 glibc's <c>struct stat</c>.
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

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, [Out] byte[] buffer);
}
