using System.Diagnostics;
using System.Globalization;

namespace Sanpool.Bench;

/// <summary>
/// One real sanlock 3.8.5 daemon as one host, in its own run directory, without the watchdog
/// (the only way it runs here): <c>SANLOCK_PRIVILEGED=0 sanlock daemon -D -w 0 -l 0 -h 0 -e NAME</c>.
/// </summary>
internal sealed class SanlockHost : IAsyncDisposable
{
    private readonly ExternalProcess _daemon;
    private readonly List<ExternalProcess> _started = [];

    private SanlockHost(string hostName, string runDir, ExternalProcess daemon)
    {
        HostName = hostName;
        RunDir = runDir;
        _daemon = daemon;
    }

    public string HostName { get; }

    public string RunDir { get; }

    private Dictionary<string, string> Env => new() { ["SANLOCK_RUN_DIR"] = RunDir };

    public static async Task<SanlockHost> StartAsync(string hostName, string runDir)
    {
        Directory.CreateDirectory(runDir);
        var daemon = ExternalProcess.Start("sanlock", ["daemon", "-D", "-w", "0", "-l", "0", "-h", "0", "-e", hostName],
            new Dictionary<string, string> { ["SANLOCK_RUN_DIR"] = runDir, ["SANLOCK_PRIVILEGED"] = "0" });
        var host = new SanlockHost(hostName, runDir, daemon);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (daemon.Process.HasExited)
            {
                throw new InvalidOperationException($"sanlock daemon {hostName} exited: {daemon.Output}");
            }

            try
            {
                await ExternalProcess.RunAsync("sanlock", ["client", "status"], host.Env, TimeSpan.FromSeconds(10));
                return host;
            }
            catch (InvalidOperationException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(100);
            }
        }
    }

    public Task AddLockspaceAsync(string lockspace, int io) =>
        ExternalProcess.RunAsync("sanlock", ["client", "add_lockspace", "-s", lockspace, "-o", io.ToString(CultureInfo.InvariantCulture)], Env);

    /// <summary><c>sanlock client command -r RES -c PROG ARGS</c>: acquires, then becomes PROG.</summary>
    public ExternalProcess StartCommand(string resource, params string[] argv)
    {
        var p = ExternalProcess.Start("sanlock", ["client", "command", "-r", resource, "-c", .. argv], Env);
        _started.Add(p);
        return p;
    }

    /// <summary>kill -9 the daemon: its host id is no longer renewed.</summary>
    public Task KillNowAsync() => _daemon.KillNowAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _started)
        {
            await p.DisposeAsync();
        }

        if (!_daemon.Process.HasExited)
        {
            try
            {
                // -f 1: release everything and leave the lockspaces, so the daemon may exit.
                await ExternalProcess.RunAsync("sanlock", ["client", "shutdown", "-f", "1", "-w", "0"], Env, TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }
        }

        await _daemon.DisposeAsync();
    }
}
