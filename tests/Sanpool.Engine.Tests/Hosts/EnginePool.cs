using Microsoft.Extensions.Logging;
using Sanpool.Harness.LocalPools;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>
/// A <see cref="LocalPool"/> for one test: block domains on loop devices, one agent process of
/// the <c>sanpool</c> under test per host, io_timeout 1 and an 8 s watchdog margin (host_dead
/// 16 s). Dispose stops the agents, detaches the loop devices and copies the agents' logs into
/// the test's output. Needs root, losetup and lvm (the test fails, not skips, without them).
/// </summary>
internal sealed class EnginePool : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly TestLogs _logs;
    private readonly ITestOutputHelper _output;

    private EnginePool(TempDir dir, TestLogs logs, ITestOutputHelper output, LocalPool pool)
    {
        _dir = dir;
        _logs = logs;
        _output = output;
        Pool = pool;
    }

    public LocalPool Pool { get; }

    /// <summary>A scratch directory removed with the pool.</summary>
    public string Directory => _dir.Path;

    public static async Task<EnginePool> CreateAsync(ITestOutputHelper output, int hosts = 3, int domains = 2, Func<LocalPoolOptions, LocalPoolOptions>? tune = null)
    {
        Requires.LoopDevices();
        Requires.Tool("lvm", "lvm2");
        var dir = new TempDir("engine-pool");
        var logs = new TestLogs();
        try
        {
            var options = new LocalPoolOptions
            {
                WorkDir = dir.Path,
                Command = [SanpoolCli.Path],
                Hosts = hosts,
                Domains = domains,
                IoTimeout = 1,
                WatchdogFireTimeout = 8,
            };
            var pool = await LocalPool.CreateAsync(tune?.Invoke(options) ?? options, logs.Factory.CreateLogger("local-pool"), CancellationToken.None);
            return new EnginePool(dir, logs, output, pool);
        }
        catch
        {
            logs.Factory.Dispose();
            dir.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Pool.StopAllAsync();
            await Pool.DisposeAsync();
            foreach (int host in Pool.HostIds)
            {
                if (File.Exists(Pool.LogOf(host)))
                {
                    _output.WriteLine($"----- host {host} agent log -----");
                    _output.WriteLine(await File.ReadAllTextAsync(Pool.LogOf(host)));
                }
            }
        }
        finally
        {
            _logs.Factory.Dispose();
            _dir.Dispose();
        }
    }
}
