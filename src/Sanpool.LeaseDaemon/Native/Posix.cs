using System.Runtime.InteropServices;

namespace Sanpool.LeaseDaemon.Native;

/// <summary>
/// The libc calls the daemon and its clients need that .NET does not offer: signalling an
/// arbitrary pid, clearing FD_CLOEXEC, and replacing the process image (execvp). Constants are
/// the Linux values (x86_64 and aarch64 agree on these).
/// </summary>
internal static unsafe partial class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    public const int SIGPIPE = 13;

    public const int ESRCH = 3;

    private const nint SIG_DFL = 0;

    // fcntl is variadic; an int third argument is passed exactly as a fixed one on x86_64 and aarch64 Linux.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    public const int O_RDWR = 0x2;
    public const int O_WRONLY = 0x1;
    public const int O_CREAT = 0x40;
    public const int O_APPEND = 0x400;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int fd, int target);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial nint SetSignal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "execvp", SetLastError = true)]
    private static partial int Execvp(byte* file, byte** argv);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Clears FD_CLOEXEC so that <paramref name="fd"/> survives exec. Returns 0 or an errno.</summary>
    public static int KeepAcrossExec(int fd)
    {
        int flags = Fcntl(fd, F_GETFD, 0);
        if (flags < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        return Fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>
    /// execvp(program, [program, args...]). Returns only on failure, with the errno; on success
    /// this process becomes the program (same pid, inherited descriptors).
    /// </summary>
    public static int Exec(string program, IReadOnlyList<string> args)
    {
        // Ignored signals stay ignored across exec, and the runtime ignores SIGPIPE; the program
        // should start with the default, as it would from a shell.
        SetSignal(SIGPIPE, SIG_DFL);
        var argv = new nint[args.Count + 2];
        try
        {
            argv[0] = Marshal.StringToCoTaskMemUTF8(program);
            for (int i = 0; i < args.Count; i++)
            {
                argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
            }

            fixed (nint* p = argv)
            {
                Execvp((byte*)argv[0], (byte**)p);
            }

            return Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (nint s in argv)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }
    }
}
