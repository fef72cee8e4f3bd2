using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sanpool.TestSupport;

/// <summary>
/// One real sanlock 3.8.5 daemon acting as one host, for compatibility tests. Each instance
/// has its own run directory (socket and pid file), so several on one machine act as several
/// hosts on the same lease files. It runs without the watchdog, unprivileged and in the
/// foreground, the only way it runs in this environment:
/// <c>SANLOCK_RUN_DIR=dir SANLOCK_PRIVILEGED=0 sanlock daemon -D -w 0 -l 0 -h 0 -e NAME</c>.
/// Dispose stops, by pid, every process this started and then the daemon.
/// </summary>
public sealed class SanlockDaemon : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);

    private readonly TempDir _runDir;
    private readonly Process _daemon;
    private readonly StringBuilder _log;
    private readonly Lock _lock = new();
    private readonly List<Process> _started = [];
    private int _disposed;

    private SanlockDaemon(string hostName, TempDir runDir, Process daemon, StringBuilder log)
    {
        HostName = hostName;
        _runDir = runDir;
        _daemon = daemon;
        _log = log;
        Environment = new Dictionary<string, string> { ["SANLOCK_RUN_DIR"] = runDir.Path };
    }

    /// <summary>The name this host writes into its delta leases (<c>-e</c>).</summary>
    public string HostName { get; }

    public int Pid => _daemon.Id;

    public string RunDir => _runDir.Path;

    /// <summary>What a <c>sanlock client</c> needs to talk to this daemon.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Everything the daemon has logged so far (it logs to stderr with -D).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the daemon and waits until <c>sanlock client status</c> answers.</summary>
    public static async Task<SanlockDaemon> StartAsync(string hostName, CancellationToken cancellationToken = default)
    {
        Requires.Root("the sanlock daemon needs it");
        Requires.Sanlock();
        var runDir = new TempDir($"sanlock-{hostName}");
        var log = new StringBuilder();
        var env = new Dictionary<string, string>
        {
            ["SANLOCK_RUN_DIR"] = runDir.Path,
            ["SANLOCK_PRIVILEGED"] = "0",
        };
        Process process;
        try
        {
            process = ToolRunner.StartBackground("sanlock", ["daemon", "-D", "-w", "0", "-l", "0", "-h", "0", "-e", hostName], env,
                line => { lock (log) { log.Append(line).Append('\n'); } });
        }
        catch
        {
            runDir.Dispose();
            throw;
        }

        var daemon = new SanlockDaemon(hostName, runDir, process, log);
        try
        {
            await daemon.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_daemon.HasExited)
            {
                throw new InvalidOperationException($"sanlock daemon for {HostName} exited with {_daemon.ExitCode}:\n{Log}");
            }

            var status = await ClientAsync(["status"], cancellationToken).ConfigureAwait(false);
            if (status.Succeeded)
            {
                return;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"sanlock daemon for {HostName} did not answer within {StartTimeout.TotalSeconds} s:\n{Log}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <c>sanlock client ARGS</c> against this daemon; the exit code is not checked.</summary>
    public Task<ToolResult> ClientAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        ToolRunner.RunAsync("sanlock", ["client", .. arguments], Environment, ClientTimeout, cancellationToken);

    /// <summary>The output of <c>sanlock client status</c>.</summary>
    public async Task<string> StatusAsync(CancellationToken cancellationToken = default) =>
        (await ClientAsync(["status"], cancellationToken).ConfigureAwait(false)).EnsureSuccess().StandardOutput;

    /// <summary>
    /// Joins a lockspace: <c>sanlock client add_lockspace -s LS:ID:PATH:OFF -o IO</c>. Returns
    /// when the host id is held (sanlock waits 2 x io_timeout, longer if the id looks taken).
    /// </summary>
    public async Task AddLockspaceAsync(string lsSpec, int ioTimeout, CancellationToken cancellationToken = default) =>
        (await ClientAsync(["add_lockspace", "-s", lsSpec, "-o", ioTimeout.ToString(CultureInfo.InvariantCulture)], cancellationToken)
            .ConfigureAwait(false)).EnsureSuccess();

    /// <summary>Leaves a lockspace: <c>sanlock client rem_lockspace -s LS:ID:PATH:OFF</c>.</summary>
    public async Task RemLockspaceAsync(string lsSpec, CancellationToken cancellationToken = default) =>
        (await ClientAsync(["rem_lockspace", "-s", lsSpec], cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>
    /// Starts <c>sanlock client command -r RES -c PROG ARGS</c> in the background and returns it.
    /// The client registers, acquires the resource and then execs PROG in the same process, so
    /// the returned process becomes the lease holder; if the acquire fails it exits non-zero.
    /// Use <see cref="WaitUntilHeldAsync"/> to know which happened. The process is stopped on dispose.
    /// </summary>
    public Task<Process> StartCommandAsync(string resSpec, params string[] argv)
    {
        ArgumentOutOfRangeException.ThrowIfZero(argv.Length);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var process = ToolRunner.StartBackground("sanlock", ["client", "command", "-r", resSpec, "-c", .. argv], Environment,
            line => { lock (_log) { _log.Append("[command ").Append(resSpec).Append("] ").Append(line).Append('\n'); } });
        lock (_lock)
        {
            _started.Add(process);
        }

        return Task.FromResult(process);
    }

    /// <summary>
    /// Waits until a process from <see cref="StartCommandAsync"/> holds its lease, which is when
    /// it has exec'ed the program (<c>client status</c> already lists a resource while its ballot
    /// runs, so it is no proof). Returns false if the process exited instead (acquire failed).
    /// </summary>
    public static async Task<bool> WaitUntilHeldAsync(Process holder, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (holder.HasExited)
            {
                return false;
            }

            string comm;
            try
            {
                comm = (await File.ReadAllTextAsync($"/proc/{holder.Id}/comm", cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (IOException)
            {
                return false;
            }

            if (comm != "sanlock")
            {
                return true;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"sanlock client command (pid {holder.Id}) neither acquired nor failed within {timeout.TotalSeconds} s");
    }

    private async Task AskToShutDownAsync()
    {
        if (_daemon.HasExited)
        {
            return;
        }

        try
        {
            // -f 1: kill lease holders and remove lockspaces; -w 0: do not wait for the exit here.
            await ToolRunner.RunAsync("sanlock", ["client", "shutdown", "-f", "1", "-w", "0"], Environment, TimeSpan.FromSeconds(10))
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // The signals below stop it anyway.
        }
    }

    /// <summary>
    /// Stops every process started through this instance, then the daemon, each by its pid:
    /// SIGTERM, then SIGKILL after a few seconds. The daemon ignores SIGTERM while it has a
    /// lockspace ("ignore shutdown, lockspace exists"), so it is first asked to release its
    /// lockspaces and exit, which leaves the delta leases free on disk; SIGKILL is the fallback
    /// and is safe because no watchdog runs. Never throws.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Process[] started;
        lock (_lock)
        {
            started = [.. _started];
            _started.Clear();
        }

        await Task.WhenAll(started.Select(p => ToolRunner.StopAsync(p, StopGrace))).ConfigureAwait(false);
        await AskToShutDownAsync().ConfigureAwait(false);
        await ToolRunner.StopAsync(_daemon, StopGrace).ConfigureAwait(false);
        foreach (var p in started)
        {
            p.Dispose();
        }

        _daemon.Dispose();
        _runDir.Dispose();
    }
}
