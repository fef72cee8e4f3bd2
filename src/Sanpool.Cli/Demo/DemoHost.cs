using System.Diagnostics;
using Sanpool.Core;

namespace Sanpool.Cli.Demo;

/// <summary>One demo host: its own run directory and a real <c>sanpool leased</c> process.</summary>
internal sealed class DemoHost : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Process, bool> _holders = new();
    private Process? _daemon;

    public DemoHost(int hostId, string workDir)
    {
        HostId = hostId;
        Name = $"host{hostId}";
        RunDir = Path.Combine(workDir, Name);
        Directory.CreateDirectory(RunDir);
    }

    public int HostId { get; }

    public string Name { get; }

    public string RunDir { get; }

    public int? DaemonPid => _daemon is { HasExited: false } d ? d.Id : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _daemon = DemoProcess.Start(["leased", "--foreground", "--run-dir", RunDir, "-e", Name], Path.Combine(RunDir, "leased.log"));
        var socket = Path.Combine(RunDir, "sanpool-leased.sock");
        for (int i = 0; i < 100 && !File.Exists(socket); i++)
        {
            await Task.Delay(100, cancellationToken);
        }

        if (!File.Exists(socket))
        {
            throw new InvalidOperationException($"{Name}: the lease daemon did not start; see {RunDir}/leased.log");
        }
    }

    public Task<int> JoinAsync(string lockspaceSpec, int ioTimeout, CancellationToken cancellationToken) =>
        DemoProcess.RunAsync(["lease", "add-lockspace", "-s", lockspaceSpec, "-o", $"{ioTimeout}", "--run-dir", RunDir], cancellationToken);

    /// <summary>Holds <paramref name="resource"/> for <paramref name="seconds"/> with <c>lease command</c>; false if it was busy.</summary>
    public async Task<bool> HoldAsync(string resource, double seconds, CancellationToken cancellationToken)
    {
        Process? holder = null;
        try
        {
            return await DemoProcess.RunAsync(["lease", "command", "-r", resource, "--run-dir", RunDir, "-c", "/bin/sleep", $"{seconds:0.###}"],
                cancellationToken, p => _holders[holder = p] = true) == 0;
        }
        finally
        {
            if (holder is not null)
            {
                _holders.TryRemove(holder, out _);
            }
        }
    }

    /// <summary>
    /// The host crashes: SIGKILL to its lease daemon (its host id lease stops being renewed) and
    /// to the processes holding leases there. On a real host the watchdog would reset it all.
    /// </summary>
    public void Crash()
    {
        foreach (var p in _holders.Keys.Append(_daemon).OfType<Process>().Where(p => !p.HasExited))
        {
            p.Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is { HasExited: false } d)
        {
            _ = Signals.Kill(d.Id, Signals.SIGTERM); // SIGTERM: the daemon releases and leaves its lockspaces
            if (!d.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                d.Kill();
            }

            await d.WaitForExitAsync();
        }

        _daemon?.Dispose();
    }
}
