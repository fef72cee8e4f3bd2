using System.Diagnostics;
using Sanpool.Core.Tools;

namespace Sanpool.Cli.Demo;

/// <summary>Runs this same sanpool executable as another process, as a real host would.</summary>
internal static class DemoProcess
{
    private static string Self => Environment.ProcessPath ?? throw new InvalidOperationException("no process path");

    /// <summary>Starts sanpool with <paramref name="args"/> in the background, its output appended to <paramref name="logFile"/>.</summary>
    public static Process Start(IReadOnlyList<string> args, string logFile) =>
        ChildProcess.Start([Self, .. args], new ChildProcessOptions { LogFile = logFile });

    /// <summary>Runs sanpool with <paramref name="args"/>, output discarded; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken, Action<Process>? started = null)
    {
        using var p = ChildProcess.Start([Self, .. args], new ChildProcessOptions { OnOutputLine = _ => { } });
        started?.Invoke(p);
        try
        {
            // Ends once the output is read to its end too.
            await p.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        return p.ExitCode;
    }
}
