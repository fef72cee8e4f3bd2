using System.Diagnostics;

namespace Sanpool.Core.Tools;

/// <summary>
/// Runs an external program from an argv list (never through a shell), captures its output,
/// and turns a failure into a SanpoolException that names the command, its exit code and
/// its stderr. Each tool Sanpool drives has its own thin wrapper on top of this.
/// </summary>
public static class ExternalTool
{
    public static async Task<ToolResult> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken, bool check = true)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SanpoolException(ToolErrors.NotInstalled, $"cannot run {argv[0]}: {e.Message}", innerException: e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (e is TimeoutException)
                {
                    throw new SanpoolException(ToolErrors.TimedOut, $"{string.Join(' ', argv)} did not finish within {timeout.TotalSeconds:0} s", isTransient: true);
                }

                throw;
            }

            var result = new ToolResult(argv, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
            if (check && result.ExitCode != 0)
            {
                throw new SanpoolException(ToolErrors.Failed,
                    $"{result.CommandLine} exited with {result.ExitCode}: {result.Stderr.Trim()}");
            }

            return result;
        }
    }
}
