using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sanpool.Core;
using Sanpool.LeaseDaemon;
using Sanpool.LeaseDaemon.Client;
using Sanpool.TestSupport;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// One Sanpool host: <c>sanpool leased --foreground --run-dir DIR -e NAME</c> as a real process
/// with a run directory of its own, and the client processes started against it. Dispose
/// stops, by pid, every process this started (SIGTERM, then SIGKILL) and then the daemon.
/// </summary>
internal sealed class LeasedProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly Process _daemon;
    private readonly StringBuilder _log;
    private readonly List<Process> _started = [];
    private int _disposed;

    private LeasedProcess(string hostName, string runDir, Process daemon, StringBuilder log)
    {
        HostName = hostName;
        RunDir = runDir;
        _daemon = daemon;
        _log = log;
    }

    public string HostName { get; }

    public string RunDir { get; }

    public int Pid => _daemon.Id;

    public Process Process => _daemon;

    /// <summary>What the daemon logged (stderr in the foreground).</summary>
    public string Log { get { lock (_log) { return _log.ToString(); } } }

    /// <summary>Starts the daemon and waits until it answers on its socket.</summary>
    public static async Task<LeasedProcess> StartAsync(TempDir dir, string hostName)
    {
        string runDir = dir.File("run-" + hostName);
        Directory.CreateDirectory(runDir);
        var log = new StringBuilder();
        var process = SanpoolCli.Start(["leased", "--foreground", "--run-dir", runDir, "-e", hostName],
            line => { lock (log) { log.Append(line).Append('\n'); } });
        var leased = new LeasedProcess(hostName, runDir, process, log);
        try
        {
            await leased.WaitUntilAnsweringAsync();
            return leased;
        }
        catch
        {
            await leased.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_daemon.HasExited)
            {
                throw new InvalidOperationException($"sanpool leased for {HostName} exited with {_daemon.ExitCode}:\n{Log}");
            }

            try
            {
                await using var client = await LeaseDaemonClient.ConnectAsync(RunDir, CancellationToken.None);
                var status = await client.StatusAsync(CancellationToken.None);
                if (status.DaemonPid == _daemon.Id)
                {
                    return;
                }
            }
            catch (SanpoolException e) when (e.Code == LeaseDaemonErrors.NotRunning)
            {
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"sanpool leased for {HostName} did not answer within {StartTimeout.TotalSeconds} s:\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary><c>sanpool lease add-lockspace -s LS:ID:PATH:OFF -o IO --run-dir DIR</c>; returns once the host id is held.</summary>
    public async Task AddLockspaceAsync(string lockspace, int ioTimeout) =>
        (await SanpoolCli.RunAsync("lease", "add-lockspace", "-s", lockspace, "-o", ioTimeout.ToString(CultureInfo.InvariantCulture), "--run-dir", RunDir))
        .EnsureSuccess();

    /// <summary>The arguments of <c>sanpool lease command -r RES --run-dir DIR -c PROG ARGS</c>.</summary>
    public string[] CommandArgs(string resource, params string[] argv) =>
        ["lease", "command", "-r", resource, "--run-dir", RunDir, "-c", .. argv];

    /// <summary>
    /// Starts <c>sanpool lease command -r RES -c PROG ARGS</c> in the background: it registers,
    /// acquires and becomes PROG, or exits non-zero. Stopped on dispose if still running.
    /// </summary>
    public HolderRun StartCommand(string resource, params string[] argv)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var output = new StringBuilder();
        var process = SanpoolCli.Start(CommandArgs(resource, argv), line => { lock (output) { output.Append(line).Append('\n'); } });
        lock (_started)
        {
            _started.Add(process);
        }

        return new HolderRun(process, Path.GetFileName(argv[0]), output);
    }

    /// <summary>kill -9 the daemon (no clean release: its delta lease simply stops being renewed).</summary>
    public Task KillNowAsync() => Signals.KillNowAsync(_daemon);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Process[] started;
        lock (_started)
        {
            started = [.. _started];
        }

        await Task.WhenAll(started.Select(p => Signals.StopAsync(p, StopGrace)));
        await Signals.StopAsync(_daemon, StopGrace);
        foreach (var p in started)
        {
            p.Dispose();
        }

        _daemon.Dispose();
    }
}
