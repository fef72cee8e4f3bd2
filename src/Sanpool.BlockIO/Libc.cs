using System.Runtime.InteropServices;

namespace Sanpool.BlockIO;

/// <summary>
/// The few libc calls direct I/O needs. .NET's FileOptions cannot ask for O_DIRECT on Linux,
/// so the file is opened here and the descriptor wrapped in a SafeFileHandle.
/// Constants are Linux x86_64/aarch64 values.
/// </summary>
internal static partial class Libc
{
    public const int O_RDONLY = 0x0;
    public const int O_RDWR = 0x2;
    public const int O_DIRECT = 0x4000;
    public const int O_SYNC = 0x101000;
    public const int O_CLOEXEC = 0x80000;
    public const int SEEK_END = 2;

    /// <summary>ioctl BLKSSZGET: logical sector size of a block device.</summary>
    public const ulong BLKSSZGET = 0x1268;

    /// <summary>ioctl BLKDISCARD, _IO(0x12, 119): discard a byte range {start, length} of a block device.</summary>
    public const ulong BLKDISCARD = 0x1277;

    /// <summary>ioctl BLKZEROOUT, _IO(0x12, 127): make a byte range {start, length} read as zeros (the kernel writes them if the device cannot).</summary>
    public const ulong BLKZEROOUT = 0x127f;

    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;
    public const int FALLOC_FL_ZERO_RANGE = 0x10;

    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EOPNOTSUPP = 95;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlInt(int fd, ulong request, out int value);

    /// <summary>ioctl with a pointer to two uint64 (BLKDISCARD, BLKZEROOUT: start and length in bytes).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int IoctlRange(int fd, ulong request, ulong* range);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
