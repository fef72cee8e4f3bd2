using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Sanpool.Core;

/// <summary>
/// The witness file: an independent record of who believes it holds a lease, kept by the
/// holders themselves, so that contention tests can prove "never two holders at once" without
/// trusting the lease code under test.
///
/// Protocol (every step under an exclusive <c>flock(2)</c> on the witness file, so the
/// read-check-write below is atomic across processes; the lock is held for microseconds and
/// the kernel drops it if the holder dies):
/// <list type="number">
/// <item>A process that has just acquired the lease calls <see cref="TryEnter"/> with its name
///   before touching what the lease protects.</item>
/// <item>TryEnter reads the file. It holds at most one line, <c>NAME PID STARTTIME</c>: the
///   current holder, its pid and the pid's start time (field 22 of /proc/PID/stat), so a holder
///   that died without exiting (killed when its lease was revoked) is recognised as gone, and a
///   reused pid is not mistaken for it.</item>
/// <item>If that line names a holder that is still alive and is not the caller, two processes
///   believe they hold the lease: a violation. One line describing it is appended to
///   <c>PATH.violations</c>, which only ever grows.</item>
/// <item>Either way the caller's own line replaces the content.</item>
/// <item>Before releasing the lease the holder calls <see cref="Exit"/>, which empties the file
///   if, and only if, it still names the caller.</item>
/// </list>
/// A test passes only if <c>PATH.violations</c> does not exist or is empty at the end.
/// This file depends on nothing but the BCL and libc so that other programs (the sanpool
/// binary, child processes) can compile it in as it is.
/// </summary>
public static partial class WitnessFile
{
    private const int O_RDWR = 0x2;
    private const int O_CREAT = 0x40;
    private const int O_APPEND = 0x400;
    private const int O_CLOEXEC = 0x80000;
    private const int LOCK_EX = 2;
    private const int EINTR = 4;

    /// <summary>The file violations are appended to.</summary>
    public static string ViolationsPath(string path) => path + ".violations";

    /// <summary>
    /// Records <paramref name="name"/> as the holder. Returns false, with the other live holder
    /// in <paramref name="otherHolder"/>, if someone else was recorded as holding (the
    /// violation is then also appended to <see cref="ViolationsPath"/>).
    /// </summary>
    public static bool TryEnter(string path, string name, out string? otherHolder)
    {
        ValidateName(name);
        using var handle = OpenLocked(path);
        string? current = ReadHolder(handle);
        otherHolder = null;
        if (current is not null && HolderName(current) != name && IsAlive(current))
        {
            otherHolder = current;
            AppendViolation(path, $"{DateTime.UtcNow:O} {name} (pid {Environment.ProcessId}) entered while {current} held");
        }

        WriteContent(handle, $"{name} {Environment.ProcessId} {StartTime(Environment.ProcessId)}\n");
        return otherHolder is null;
    }

    /// <summary>Clears the holder if it is <paramref name="name"/>; otherwise leaves the file alone.</summary>
    public static void Exit(string path, string name)
    {
        ValidateName(name);
        using var handle = OpenLocked(path);
        string? current = ReadHolder(handle);
        if (current is not null && HolderName(current) == name)
        {
            WriteContent(handle, "");
        }
    }

    /// <summary>The recorded holder's name, or null when nobody holds.</summary>
    public static string? CurrentHolder(string path)
    {
        using var handle = OpenLocked(path);
        string? current = ReadHolder(handle);
        return current is null ? null : HolderName(current);
    }

    /// <summary>Every violation recorded so far, oldest first.</summary>
    public static IReadOnlyList<string> ReadViolations(string path)
    {
        string file = ViolationsPath(path);
        return File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Length > 0).ToArray()
            : [];
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"a witness holder name must be non-empty without spaces: '{name}'", nameof(name));
        }
    }

    private static SafeFileHandle OpenLocked(string path)
    {
        int fd = Open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0x1B6 /* 0666 */);
        if (fd < 0)
        {
            throw new IOException($"cannot open witness file {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        while (Flock(fd, LOCK_EX) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                handle.Dispose();
                throw new IOException($"cannot lock witness file {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }

        // Closing the descriptor (disposing the handle) releases the flock.
        return handle;
    }

    private static string? ReadHolder(SafeFileHandle handle)
    {
        var buffer = new byte[4096];
        int n = RandomAccess.Read(handle, buffer, 0);
        string line = Encoding.UTF8.GetString(buffer, 0, n).Trim();
        return line.Length == 0 ? null : line;
    }

    private static void WriteContent(SafeFileHandle handle, string content)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        if (Ftruncate((int)handle.DangerousGetHandle(), 0) != 0)
        {
            throw new IOException($"cannot truncate witness file: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        RandomAccess.Write(handle, bytes, 0);
        RandomAccess.FlushToDisk(handle);
    }

    private static void AppendViolation(string path, string line)
    {
        // Appended under the witness lock, so lines from different processes never interleave.
        int fd = Open(ViolationsPath(path), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0x1B6);
        if (fd < 0)
        {
            throw new IOException($"cannot open {ViolationsPath(path)}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.Write(handle, Encoding.UTF8.GetBytes(line + "\n"), RandomAccess.GetLength(handle));
        RandomAccess.FlushToDisk(handle);
    }

    private static string HolderName(string holderLine) => holderLine.Split(' ')[0];

    /// <summary>Whether the process a holder line names is still the same running process.</summary>
    private static bool IsAlive(string holderLine)
    {
        string[] parts = holderLine.Split(' ');
        if (parts.Length < 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int pid))
        {
            return true; // Unknown format: assume the worst.
        }

        string? startTime = StartTime(pid);
        return startTime is not null && startTime == parts[2];
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or null if the process is gone.</summary>
    private static string? StartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may contain spaces; count after it.
        int close = stat.LastIndexOf(')');
        string[] rest = stat[(close + 2)..].Split(' ');
        const int FieldsBeforeRest = 2;
        const int StartTimeField = 22;
        int index = StartTimeField - FieldsBeforeRest - 1;
        return rest.Length > index && rest[0] != "Z" ? rest[index] : null;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);
}
