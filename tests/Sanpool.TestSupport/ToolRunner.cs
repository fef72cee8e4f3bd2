using System.Diagnostics;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.TestSupport;

/// <summary>
/// Runs external programs (losetup, sanlock, blockdev) from tests: always an argv list, never
/// a shell, so no argument is ever re-parsed. Bare program names are found by
/// <see cref="ToolLocator"/>, which also looks in the sbin directories a test host's PATH may lack.
/// </summary>
public static class ToolRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="program"/> to completion and captures its output. On timeout the
    /// whole process tree is killed and <see cref="TimeoutException"/> is thrown; a non-zero exit is returned, not thrown (see <see cref="ToolResult.EnsureSuccess"/>).
    /// </summary>
    public static async Task<ToolResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        // The one process runner of src, without its exit-code check: tests judge the result.
        var argv = new List<string> { ToolLocator.TryFind(program) ?? program };
        argv.AddRange(arguments);
        try
        {
            var r = await ExternalTool.RunAsync(argv, new ToolRunOptions
            {
                Timeout = timeout ?? DefaultTimeout,
                AcceptedExitCodes = null,
                Environment = environment,
            }, cancellationToken).ConfigureAwait(false);
            return new ToolResult(ExternalTool.CommandLine(argv), r.ExitCode, r.Stdout, r.Stderr);
        }
        catch (SanpoolException e) when (e.Code == ToolErrors.TimedOut)
        {
            throw new TimeoutException($"`{ExternalTool.CommandLine(argv)}`: {e.Message}", e);
        }
        catch (SanpoolException e) when (e.Code == ToolErrors.NotInstalled)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> in the background with its output drained line by
    /// line into <paramref name="onOutput"/> (stdout and stderr alike), so that it can never
    /// block on a full pipe. The caller owns the process and must stop it
    /// (<see cref="StopAsync"/>).
    /// </summary>
    public static Process StartBackground(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? onOutput = null)
    {
        onOutput ??= _ => { };
        return Start(program, arguments, environment, onOutput);
    }

    /// <summary>
    /// Stops a process by its pid: SIGTERM, then SIGKILL if it is still running after
    /// <paramref name="grace"/>. Never throws; a process that already exited is left alone
    /// (its pid may belong to someone else by now).
    /// </summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            _ = Signals.Kill(process.Id, Signals.SIGTERM);
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
            }

            if (!process.HasExited)
            {
                _ = Signals.Kill(process.Id, Signals.SIGKILL);
                using var reap = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(reap.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Not started, already gone, or unkillable (D state): nothing more to do from here.
        }
    }

    private static Process Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, Action<string> onOutput)
    {
        try
        {
            return ChildProcess.Start([program, .. arguments], new ChildProcessOptions { Environment = environment, OnOutputLine = onOutput });
        }
        catch (SanpoolException e) when (e.Code == ToolErrors.NotInstalled)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }
}
