using System.Diagnostics;
using System.Runtime.InteropServices;
using Sanpool.Core;
using Sanpool.Core.Tools;
using Sanpool.LeaseDaemon.Client;
using Sanpool.LeaseDaemon.Native;

namespace Sanpool.LeaseDaemon.Hosting;

/// <summary>
/// Running the daemon in the background without fork (which .NET cannot do): the command
/// starts itself again in the foreground mode, and that child leaves the terminal's session
/// and sends its output to a log file.
/// </summary>
public static class DaemonProcess
{
    /// <summary>
    /// Detaches this process: a new session (no controlling terminal, so no SIGHUP when it
    /// closes), stdin from /dev/null, stdout and stderr appended to <paramref name="logFile"/>.
    /// </summary>
    public static void Detach(string logFile)
    {
        // Fails only for a process group leader, which a freshly started child is not.
        _ = Posix.SetSid();
        Redirect("/dev/null", Posix.O_RDWR, [0]);
        Redirect(logFile, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, [1, 2]);
    }

    /// <summary>
    /// Starts <paramref name="argv"/> (a command that runs the daemon in the foreground and
    /// detaches) and waits until the daemon answers on <paramref name="runDirectory"/>'s
    /// socket. Returns its pid; throws with the log's last lines if it exits first.
    /// </summary>
    public static async Task<int> StartAsync(IReadOnlyList<string> argv, string runDirectory, string logFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Output not redirected: what the child prints before it detaches (a bad option) reaches our terminal.
        using var process = ChildProcess.Start(argv, new ChildProcessOptions { MissingCode = LeaseDaemonErrors.NotRunning });
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new SanpoolException(LeaseDaemonErrors.NotRunning,
                    $"the lease daemon exited with code {process.ExitCode} while starting; {await LastLinesAsync(logFile).ConfigureAwait(false)}");
            }

            try
            {
                await using var client = await LeaseDaemonClient.ConnectAsync(runDirectory, cancellationToken).ConfigureAwait(false);
                var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
                if (status.DaemonPid == process.Id)
                {
                    return process.Id;
                }
            }
            catch (SanpoolException e) when (e.Code == LeaseDaemonErrors.NotRunning)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new SanpoolException(LeaseDaemonErrors.NotRunning,
                    $"the lease daemon (pid {process.Id}) did not answer within {timeout.TotalSeconds} s; {await LastLinesAsync(logFile).ConfigureAwait(false)}", isTransient: true);
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The command line that runs this same program again: the apphost, or dotnet and the entry assembly.</summary>
    public static IReadOnlyList<string> Self()
    {
        string host = Environment.ProcessPath ?? throw new SanpoolException(LeaseDaemonErrors.Internal, "cannot tell this program's path");
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? [host, "exec", System.Reflection.Assembly.GetEntryAssembly()!.Location]
            : [host];
    }

    private static void Redirect(string path, int flags, int[] targets)
    {
        int fd = Posix.Open(path, flags | Posix.O_CLOEXEC, Convert.ToInt32("640", 8));
        if (fd < 0)
        {
            throw new SanpoolException(LeaseDaemonErrors.Internal, $"cannot open {path}: {Posix.Describe(Marshal.GetLastPInvokeError())}");
        }

        foreach (int target in targets)
        {
            // dup2 clears FD_CLOEXEC on the copy: 0, 1 and 2 stay open for whatever this process runs.
            Posix.Dup2(fd, target);
        }

        Posix.Close(fd);
    }

    private static async Task<string> LastLinesAsync(string logFile)
    {
        try
        {
            var lines = await File.ReadAllLinesAsync(logFile).ConfigureAwait(false);
            return lines.Length == 0 ? $"{logFile} is empty" : $"last lines of {logFile}: " + string.Join(" | ", lines.TakeLast(3));
        }
        catch (IOException)
        {
            return $"no log at {logFile}";
        }
    }
}
