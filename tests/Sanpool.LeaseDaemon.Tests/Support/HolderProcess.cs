using System.Diagnostics;
using System.Text;
using Sanpool.LeaseDaemon.Client;
using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Tests.Support;

/// <summary>
/// A real lease holder process: this test assembly run as <see cref="HolderProgram"/>. Killed
/// (by its pid) on dispose if still alive. Records when it exited, on the monotonic clock.
/// </summary>
internal sealed class HolderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _exited;

    private HolderProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) { _stderr.AppendLine(e.Data); } };
        _process.BeginErrorReadLine();
        _exited = Task.Run(async () =>
        {
            await _process.WaitForExitAsync();
            ExitedAt = MonotonicClock.System.Now;
        });
    }

    public int Pid => _process.Id;

    /// <summary>Monotonic time the exit was observed (within a few ms of the death).</summary>
    public TimeSpan? ExitedAt { get; private set; }

    public bool HasExited => _exited.IsCompleted;

    /// <summary>As .NET reports it: 128 + signal for a process killed by a signal.</summary>
    public int ExitCode => _process.ExitCode;

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    /// <summary><c>lease command</c>: register, acquire, exec PROG (the process becomes it).</summary>
    public static HolderProcess Command(string runDir, IEnumerable<string> resources, string program, params string[] args) =>
        Start(["command", runDir, string.Join(',', resources), program, .. args]);

    /// <summary>Registers with a heartbeat, acquires, beats <paramref name="beats"/> times, then stays silent.</summary>
    public static HolderProcess Heartbeat(string runDir, string resource, int intervalMs, int beats) =>
        Start(["heartbeat", runDir, resource, intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture), beats.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private static HolderProcess Start(string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(typeof(HolderProgram).Assembly.Location);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return new HolderProcess(Process.Start(psi)!);
    }

    /// <summary>Waits until the daemon lists <paramref name="count"/> resources for this pid (so it has registered and acquired).</summary>
    public async Task<InquireReply> WaitHoldingAsync(LeaseDaemonClient observer, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = MonotonicClock.System.Now + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"holder {Pid} exited with {ExitCode} before acquiring: {Stderr}");
            }

            try
            {
                var reply = await observer.InquireAsync(Pid, CancellationToken.None);
                if (reply.Resources.Count >= count)
                {
                    return reply;
                }
            }
            catch (Core.SanpoolException e) when (e.Code == LeaseDaemonErrors.NotRegistered)
            {
                // Not registered yet.
            }

            if (MonotonicClock.System.Now > deadline)
            {
                throw new TimeoutException($"holder {Pid} did not acquire {count} resource(s): {Stderr}");
            }

            await Task.Delay(50);
        }
    }

    public void Signal(int signal) => Core.Signals.Kill(Pid, signal);

    public Task WaitForExitAsync(TimeSpan timeout) => _exited.WaitAsync(timeout);

    /// <summary>The process's command name now (after exec, the program's).</summary>
    public string Comm => File.ReadAllText($"/proc/{Pid}/comm").Trim();

    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            Core.Signals.Kill(Pid, Posix.SIGKILL);
            await _exited.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
