using System.Runtime.InteropServices;

namespace Sanpool.TestSupport;

/// <summary>The libc call test support needs beyond Core's: the effective user id.</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();
}
