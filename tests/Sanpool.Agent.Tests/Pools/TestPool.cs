using Microsoft.Extensions.Logging;
using Sanpool.Harness.LocalPools;
using Sanpool.Agent.Tests.Api;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// A <see cref="LocalPool"/> for one test: block domains on loop devices, agents as real
/// processes of the <c>sanpool</c> under test. Dispose stops the agents, detaches the loop
/// devices, and copies every agent's log into the test's output.
/// <para>
/// Its domains record a short watchdog margin (<see cref="ShortWatchdog"/>): host_dead at
/// io_timeout 1 is 16 s instead of sanlock's 68 s, so a test that waits for a dead SPM's leases
/// waits seconds. One test per failure kind (CrashTests, FreezeTests, StorageLossTests) keeps
/// the real 60 s margin (<see cref="RealWatchdog"/>, at io_timeout 2) and measures takeovers against it.
/// </para>
/// </summary>
internal sealed class TestPool : IAsyncDisposable
{
    /// <summary>The shortest margin a domain accepts at io_timeout 1: KillGrace (4 s) + 2 s of fencing + 2 io_timeouts.</summary>
    public const int ShortWatchdog = 8;

    /// <summary>
    /// sanlock's watchdog margin, for the tests that measure takeovers at the real bound, at
    /// io_timeout 2 (host_dead 76 s). These tests run beside others on a loaded 2-core machine
    /// for minutes: at io_timeout 1 a surviving host whose renewals stall for 8 s loses its own
    /// host id and waits host_dead again before it may contend, which once kept a pool without
    /// an SPM past the test's patience in CI.
    /// </summary>
    public static LocalPoolOptions RealWatchdog(LocalPoolOptions options) =>
        options with { IoTimeout = 2, WatchdogFireTimeout = Sanpool.Leases.LeaseTimeouts.DefaultWatchdogFireTimeout };

    private readonly TempDir _dir;
    private readonly TestLog _log;
    private readonly ITestOutputHelper _output;
    private readonly List<FaultyPath> _paths = [];
    private readonly List<Sanpool.BlockIO.LoopDevice> _extraLuns = [];

    private TestPool(TempDir dir, TestLog log, ITestOutputHelper output, LocalPool pool)
    {
        _dir = dir;
        _log = log;
        _output = output;
        Pool = pool;
    }

    public LocalPool Pool { get; }

    public static async Task<TestPool> CreateAsync(ITestOutputHelper output, int hosts = 3, int domains = 2, Func<int, int>? priority = null,
        IReadOnlyDictionary<string, string>? environment = null, Func<LocalPoolOptions, LocalPoolOptions>? tune = null)
    {
        Requires.LoopDevices();
        Requires.Tool("lvm", "lvm2");
        var dir = new TempDir("pool");
        var log = new TestLog(output);
        try
        {
            var options = new LocalPoolOptions
            {
                WorkDir = dir.Path,
                Command = [SanpoolCli.Path],
                Hosts = hosts,
                Domains = domains,
                IoTimeout = 1,
                WatchdogFireTimeout = ShortWatchdog,
                SpmPriority = priority ?? (_ => 5),
                Environment = environment ?? new Dictionary<string, string>(),
            };
            var pool = await LocalPool.CreateAsync(tune?.Invoke(options) ?? options, log.Factory.CreateLogger("local-pool"), CancellationToken.None);
            return new TestPool(dir, log, output, pool);
        }
        catch
        {
            log.Dispose();
            dir.Dispose();
            throw;
        }
    }

    /// <summary>A breakable second path to domain <paramref name="index"/>'s LUN (for <see cref="LocalPool.Configure"/>).</summary>
    public async Task<FaultyPath> AddFaultyPathAsync(int index)
    {
        var path = await FaultyPath.CreateAsync(Pool.Luns[index], _dir.File($"path-{_paths.Count}"));
        _paths.Add(path);
        return path;
    }

    /// <summary>A block domain on a LUN of its own that is not in the pool (for attach); detached after the agents stop.</summary>
    public async Task<(Guid Domain, string Device)> AddLooseDomainAsync()
    {
        var lun = await Sanpool.BlockIO.LoopDevice.CreateAsync(_dir.Path, 8L << 30);
        _extraLuns.Add(lun);
        var domain = Guid.NewGuid();
        await Sanpool.Storage.Domains.BlockDomain.CreateAsync([lun.Path], domain, "loose", 512, 1, CancellationToken.None);
        // The pool's margin, or attach refuses it.
        await using (var store = await new Sanpool.Storage.Volumes.DomainLocator([], [lun.Path])
                         .OpenAsync(domain, new Sanpool.Storage.Qemu.QemuImg(), _dir.File("admin"), CancellationToken.None))
        {
            await Sanpool.Storage.Domains.DomainDefaults.SetWatchdogAsync(store, Pool.Options.WatchdogFireTimeout, CancellationToken.None);
        }

        return (domain, lun.Path);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // The agents hold the faulty paths' loop devices open: stop them first, with every
            // path healed, or an agent blocked in a hung read could not even die.
            foreach (var path in _paths)
            {
                path.Heal();
            }

            await Pool.StopAllAsync();
            foreach (var path in _paths)
            {
                await path.DisposeAsync();
            }

            foreach (var lun in _extraLuns)
            {
                await lun.DisposeAsync();
            }

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
            _log.Dispose();
            _dir.Dispose();
        }
    }
}
