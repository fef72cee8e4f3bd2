using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Pool;
using Sanpool.Pool.Spm;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

namespace Sanpool.Pool.Tests;

/// <summary>
/// A pool of two file domains under a temp directory (io_timeout 1), created the way
/// <c>sanpool pool create</c> does, and hosts connected to it, each with its own run directory.
/// </summary>
internal sealed class TestPool : IAsyncDisposable
{
    private readonly TempDir _dir = new("pool");
    private readonly List<IAsyncDisposable> _owned = [];

    public Guid Pool { get; } = Guid.NewGuid();

    public Guid Master { get; } = Guid.NewGuid();

    public Guid Second { get; } = Guid.NewGuid();

    public string Mount => _dir.File("mnt");

    public DomainLocator Locator => new([Mount], []);

    public static async Task<TestPool> CreateAsync()
    {
        var pool = new TestPool();
        Directory.CreateDirectory(pool.Mount);
        await FileDomain.CreateAsync(pool.Mount, pool.Master, "master", 512, 1, CancellationToken.None);
        await FileDomain.CreateAsync(pool.Mount, pool.Second, "second", 512, 1, CancellationToken.None);
        await using var master = await pool.Locator.OpenAsync(pool.Master, new QemuImg(), pool._dir.File("admin"), CancellationToken.None);
        await using var second = await pool.Locator.OpenAsync(pool.Second, new QemuImg(), pool._dir.File("admin"), CancellationToken.None);
        var options = new WriterOptions { HostId = 1, RunDirectory = pool._dir.File("admin") };
        await using var mw = await DomainWriter.OpenAsync(master, new QemuImg(), options, NullLogger.Instance, CancellationToken.None);
        await using var sw = await DomainWriter.OpenAsync(second, new QemuImg(), options, NullLogger.Instance, CancellationToken.None);
        await PoolAdmin.CreateAsync(mw, [sw], pool.Pool, "test pool", CancellationToken.None);
        return pool;
    }

    /// <summary>Opens a domain under the pool's mount and becomes its one-shot writer as host <paramref name="hostId"/>.</summary>
    public async Task<DomainWriter> WriterAsync(Guid domain, int hostId = 1)
    {
        var store = await Locator.OpenAsync(domain, new QemuImg(), _dir.File("admin"), CancellationToken.None);
        _owned.Add(store);
        var writer = await DomainWriter.OpenAsync(store, new QemuImg(), new WriterOptions { HostId = hostId, RunDirectory = _dir.File("admin") },
            NullLogger.Instance, CancellationToken.None);
        _owned.Add(writer);
        return writer;
    }

    public PoolHostOptions Options(int hostId) => new()
    {
        Pool = Pool,
        Master = Master,
        Locator = Locator,
        HostId = hostId,
        HostName = $"host{hostId}",
        RunDirectory = _dir.File($"run{hostId}"),
    };

    /// <summary>A host connected to the pool, with its SPM role (Free).</summary>
    public async Task<SpmRole> HostAsync(int hostId)
    {
        var host = await PoolHost.ConnectAsync(Options(hostId), new QemuImg(), NullLogger.Instance, CancellationToken.None);
        _owned.Add(host);
        var role = new SpmRole(host, NullLogger.Instance);
        _owned.Add(role);
        return role;
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _dir.Dispose();
    }
}
