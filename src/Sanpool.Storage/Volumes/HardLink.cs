using System.Runtime.InteropServices;

namespace Sanpool.Storage.Volumes;

/// <summary>link(2): .NET can make symbolic links only.</summary>
internal static partial class HardLink
{
    public static void Create(string existing, string newPath)
    {
        if (Link(existing, newPath) != 0)
        {
            throw new IOException($"link {existing} -> {newPath} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string newPath);
}
