using System.Diagnostics;
using System.Text;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Bench;

/// <summary>
/// External programs the bench drives (sanlock, sanpool): argv lists, never a shell; output
/// drained in the background; stopped by pid.
/// </summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();

    private ExternalProcess()
    {
    }

    public Process Process { get; private set; } = null!;

    public int Pid => Process.Id;

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public static ExternalProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var started = new ExternalProcess();
        started.Process = ChildProcess.Start([program, .. arguments], new ChildProcessOptions { Environment = environment, OnOutputLine = started.Append });
        return started;
    }

    /// <summary>Runs to completion; throws naming the command, exit code and output if it fails or overruns.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        string[] argv = [.. arguments];
        await using var p = Start(program, argv, environment);
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await p.Process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"`{program} {string.Join(' ', argv)}` did not finish: {p.Output}");
        }

        return p.Process.ExitCode == 0
            ? p.Output
            : throw new InvalidOperationException($"`{program} {string.Join(' ', argv)}` exited with {p.Process.ExitCode}: {p.Output.Trim()}");
    }

    /// <summary>/proc/PID/comm: what the pid runs now (after exec, the new program), or null when gone.</summary>
    public string? Comm
    {
        get
        {
            try
            {
                return File.ReadAllText($"/proc/{Pid}/comm").Trim();
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>kill -9 by pid, and waits until reaped.</summary>
    public async Task KillNowAsync()
    {
        if (!Process.HasExited)
        {
            _ = Signals.Kill(Pid, Signals.SIGKILL);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Process.WaitForExitAsync(wait.Token);
    }

    /// <summary>SIGTERM, then SIGKILL after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!Process.HasExited)
            {
                _ = Signals.Kill(Pid, Signals.SIGTERM);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await Process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    await KillNowAsync();
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }

        Process.Dispose();
    }

    private void Append(string line)
    {
        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
    }
}
