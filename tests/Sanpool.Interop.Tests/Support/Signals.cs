using System.Diagnostics;

namespace Sanpool.Interop.Tests.Support;

/// <summary>Signals sent by pid, to processes the test started itself, and what a pid is running.</summary>
internal static class Signals
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>kill -9 PID, and waits until it is gone (reaped by its <see cref="Process"/>).</summary>
    public static async Task KillNowAsync(Process process)
    {
        if (!process.HasExited)
        {
            _ = Core.Signals.Kill(process.Id, SIGKILL);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(wait.Token);
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; never throws.</summary>
    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            _ = Core.Signals.Kill(process.Id, SIGTERM);
            using var wait = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(wait.Token);
                return;
            }
            catch (OperationCanceledException)
            {
            }

            await KillNowAsync(process);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Never started, or already reaped.
        }
    }

    /// <summary>/proc/PID/comm: the program the pid runs now (after an exec, the new one's name), or null once it is gone.</summary>
    public static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
