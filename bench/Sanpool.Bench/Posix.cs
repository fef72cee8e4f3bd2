using System.Runtime.InteropServices;

namespace Sanpool.Bench;

/// <summary>The libc calls the bench needs beyond Core's <c>Signals</c>: the native environment, close.</summary>
internal static partial class Posix
{
    /// <summary>
    /// setenv(3). Environment.SetEnvironmentVariable changes only .NET's own copy of the
    /// environment on Linux; native code such as libsanlock reads the C library's with getenv.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "setenv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
