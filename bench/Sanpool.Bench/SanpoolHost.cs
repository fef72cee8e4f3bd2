using System.Diagnostics;
using Sanpool.Core;
using Sanpool.LeaseDaemon;
using Sanpool.LeaseDaemon.Client;

namespace Sanpool.Bench;

/// <summary>One Sanpool host: <c>sanpool leased --foreground --run-dir DIR -e NAME</c> as a process of its own.</summary>
internal sealed class SanpoolHost : IAsyncDisposable
{
    private readonly string _cli;
    private readonly ExternalProcess _daemon;
    private readonly List<ExternalProcess> _started = [];

    private SanpoolHost(string cli, string hostName, string runDir, ExternalProcess daemon)
    {
        _cli = cli;
        HostName = hostName;
        RunDir = runDir;
        _daemon = daemon;
    }

    public string HostName { get; }

    public string RunDir { get; }

    public static async Task<SanpoolHost> StartAsync(string cli, string hostName, string runDir)
    {
        Directory.CreateDirectory(runDir);
        var daemon = ExternalProcess.Start(cli, ["leased", "--foreground", "--run-dir", runDir, "-e", hostName]);
        var host = new SanpoolHost(cli, hostName, runDir, daemon);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (daemon.Process.HasExited)
            {
                throw new InvalidOperationException($"sanpool leased {hostName} exited: {daemon.Output}");
            }

            try
            {
                await using var client = await LeaseDaemonClient.ConnectAsync(runDir, CancellationToken.None);
                if ((await client.StatusAsync(CancellationToken.None)).DaemonPid == daemon.Pid)
                {
                    return host;
                }
            }
            catch (SanpoolException e) when (e.Code == LeaseDaemonErrors.NotRunning && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
            }

            await Task.Delay(100);
        }
    }

    public async Task AddLockspaceAsync(string lockspace, int io)
    {
        await using var client = await LeaseDaemonClient.ConnectAsync(RunDir, CancellationToken.None);
        await client.AddLockspaceAsync(lockspace, io, CancellationToken.None);
    }

    /// <summary><c>sanpool lease command -r RES -c PROG ARGS</c>: acquires, then becomes PROG.</summary>
    public ExternalProcess StartCommand(string resource, params string[] argv)
    {
        var p = ExternalProcess.Start(_cli, ["lease", "command", "-r", resource, "--run-dir", RunDir, "-c", .. argv]);
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

        await _daemon.DisposeAsync();
    }
}
