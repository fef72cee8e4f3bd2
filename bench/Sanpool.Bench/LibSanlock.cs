using System.Runtime.InteropServices;

namespace Sanpool.Bench;

/// <summary>
/// The real sanlock's client library, libsanlock.so.1 (sanlock_resource.h): register this
/// process with the daemon, acquire and release resources over that connection. The daemon is
/// found through SANLOCK_RUN_DIR, which the library reads with getenv(3) when it connects, so
/// <see cref="UseRunDirectory"/> must run before <see cref="Register"/>.
/// </summary>
internal static partial class LibSanlock
{
    private const string Library = "libsanlock.so.1";

    public static void UseRunDirectory(string runDirectory)
    {
        Environment.SetEnvironmentVariable("SANLOCK_RUN_DIR", runDirectory);
        if (Posix.SetEnv("SANLOCK_RUN_DIR", runDirectory, 1) != 0)
        {
            throw new InvalidOperationException($"setenv(SANLOCK_RUN_DIR) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>sanlock_register(): the connection's file descriptor; this process is the client.</summary>
    public static int Register()
    {
        int sock = NativeRegister();
        return sock >= 0 ? sock : throw new InvalidOperationException($"sanlock_register failed: {sock}");
    }

    /// <summary>sanlock_acquire(sock, -1, 0, 1, &amp;res, NULL): 0, or sanlock's negative error (-243 IDLIVE ...).</summary>
    public static unsafe int Acquire(int sock, SanlkResource resource)
    {
        nint one = resource.Pointer;
        return NativeAcquire(sock, -1, 0, 1, &one, 0);
    }

    /// <summary>sanlock_release(sock, -1, 0, 1, &amp;res).</summary>
    public static unsafe int Release(int sock, SanlkResource resource)
    {
        nint one = resource.Pointer;
        return NativeRelease(sock, -1, 0, 1, &one);
    }

    [LibraryImport(Library, EntryPoint = "sanlock_register")]
    private static partial int NativeRegister();

    [LibraryImport(Library, EntryPoint = "sanlock_acquire")]
    private static unsafe partial int NativeAcquire(int sock, int pid, uint flags, int resCount, nint* resArgs, nint optIn);

    [LibraryImport(Library, EntryPoint = "sanlock_release")]
    private static unsafe partial int NativeRelease(int sock, int pid, uint flags, int resCount, nint* resArgs);
}
