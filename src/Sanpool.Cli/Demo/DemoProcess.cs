using System.Diagnostics;

namespace Sanpool.Cli.Demo;

/// <summary>Runs this same sanpool executable as another process, as a real host would.</summary>
internal static class DemoProcess
{
    private static string Self => Environment.ProcessPath ?? throw new InvalidOperationException("no process path");

    public static Process Start(IReadOnlyList<string> args, string logFile)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // The shell only redirects the daemon's output to its log; argv reach sanpool unchanged.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$LOG\" 2>&1");
        psi.ArgumentList.Add(Self);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LOG"] = logFile;
        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start sanpool");
    }

    /// <summary>Runs sanpool with <paramref name="args"/>, output discarded; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken, Action<Process>? started = null)
    {
        var psi = new ProcessStartInfo(Self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sanpool");
        started?.Invoke(p);
        var drain = Task.WhenAll(p.StandardOutput.ReadToEndAsync(cancellationToken), p.StandardError.ReadToEndAsync(cancellationToken));
        try
        {
            await p.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        await drain;
        return p.ExitCode;
    }
}
