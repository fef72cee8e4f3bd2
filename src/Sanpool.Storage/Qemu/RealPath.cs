using System.Runtime.InteropServices;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// libc <c>realpath(3)</c>: the canonical absolute path with every symlink, "." and ".."
/// resolved, as the kernel would walk it. .NET has no equivalent that resolves links in the
/// middle of a path.
/// </summary>
internal static unsafe partial class RealPath
{
    /// <summary>The resolved path, or null if any component does not exist or cannot be read.</summary>
    public static string? Resolve(string path)
    {
        nint resolved = NativeRealPath(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeMemory.Free((void*)resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint NativeRealPath(string path, nint resolved);
}
