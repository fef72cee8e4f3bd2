using System.Runtime.InteropServices;

namespace Sanpool.Core;

/// <summary>
/// Signals by pid: .NET can only kill its own child processes, and only with SIGKILL. The one
/// binding of kill(2) for every project (Linux signal numbers; x86_64 and aarch64 agree).
/// </summary>
public static partial class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    /// <summary>kill(2): 0, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
