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

    /// <summary>
    /// Sends <paramref name="signal"/> to every live child of this process (found by the parent
    /// pid in /proc/PID/stat), then to this process: a self-fence must not leave a qemu-img
    /// writing behind it. Returns only if the signal does not end this process.
    /// </summary>
    public static void KillChildrenThenSelf(int signal)
    {
        int self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == self)
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the last ')' ends it.
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length > 1 && int.TryParse(fields[1], out int parent) && parent == self)
                {
                    _ = Kill(pid, signal);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        _ = Kill(self, signal);
    }

    /// <summary>kill(2): 0, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
