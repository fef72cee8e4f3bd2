using Sanpool.LeaseDaemon.Client;
using Sanpool.Leases;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.LeaseDaemon.Tests.Support;

/// <summary>An in-process lease daemon ("a host") with its own run directory, stopped on dispose.</summary>
internal sealed class DaemonHost : IAsyncDisposable
{
    private DaemonHost(LeaseDaemon daemon, string runDir)
    {
        Daemon = daemon;
        RunDir = runDir;
    }

    public LeaseDaemon Daemon { get; }

    public string RunDir { get; }

    public static async Task<DaemonHost> StartAsync(TempDir dir, string hostName, ITestOutputHelper output,
        Func<LeaseDaemonOptions, LeaseDaemonOptions>? configure = null)
    {
        string runDir = dir.File("run-" + hostName);
        var options = new LeaseDaemonOptions(runDir, hostName) { LoggerFactory = TestLog.Factory(output, hostName) };
        var daemon = new LeaseDaemon(configure?.Invoke(options) ?? options);
        await daemon.StartAsync(CancellationToken.None);
        return new DaemonHost(daemon, runDir);
    }

    public Task<LeaseDaemonClient> ConnectAsync() => LeaseDaemonClient.ConnectAsync(RunDir, CancellationToken.None);

    /// <summary>Joins the lockspace with io_timeout 1 (about 2 s for a free host id).</summary>
    public async Task JoinAsync(LeaseArea area, int hostId)
    {
        await using var client = await ConnectAsync();
        await client.AddLockspaceAsync(area.LockspaceSpec(hostId), 1, CancellationToken.None);
    }

    public static DeviceOpener Direct => LeaseDevices.Direct;

    public ValueTask DisposeAsync() => Daemon.DisposeAsync();
}
