using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.DataPath;
using Sanpool.Pool;
using Sanpool.Pool.Spm;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

namespace Sanpool.Pool.Tests;

/// <summary>
/// A pool of two domains (io_timeout 1), created the way <c>sanpool pool create</c> does, and
/// hosts connected to it, each with its own run directory. File domains under a temp
/// directory, or block domains on one 10 GiB sparse loop device each (detached on dispose,
/// even after a failure; needs root and lvm).
/// </summary>
internal sealed class TestPool : IAsyncDisposable
{
    private const long LunSize = 10L * 1024 * 1024 * 1024;
    private readonly TempDir _dir = new("pool");
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<LoopDevice> _luns = [];

    private TestPool(string kind) => Kind = kind;

    /// <summary>"file" or "block".</summary>
    public string Kind { get; }

    public Guid Pool { get; } = Guid.NewGuid();

    public Guid Master { get; } = Guid.NewGuid();

    public Guid Second { get; } = Guid.NewGuid();

    public string Mount => _dir.File("mnt");

    public IReadOnlyList<string> Devices => [.. _luns.Select(l => l.Path)];

    public DomainLocator Locator => new(Kind == "file" ? [Mount] : [], Devices) { Files = new FuseDeviceFiles() };

    public string Scratch(string name) => _dir.File(name);

    public static async Task<TestPool> CreateAsync(string kind = "file")
    {
        var pool = new TestPool(kind);
        try
        {
            Directory.CreateDirectory(pool.Mount);
            await pool.AddDomainAsync(pool.Master, "master");
            await pool.AddDomainAsync(pool.Second, "second");
            await using var master = await pool.Locator.OpenAsync(pool.Master, new QemuImg(), pool._dir.File("admin"), CancellationToken.None);
            await using var second = await pool.Locator.OpenAsync(pool.Second, new QemuImg(), pool._dir.File("admin"), CancellationToken.None);
            var options = new WriterOptions { HostId = 1, RunDirectory = pool._dir.File("admin") };
            await using var mw = await DomainWriter.OpenAsync(master, new QemuImg(), options, NullLogger.Instance, CancellationToken.None);
            await using var sw = await DomainWriter.OpenAsync(second, new QemuImg(), options, NullLogger.Instance, CancellationToken.None);
            await PoolAdmin.CreateAsync(mw, [sw], pool.Pool, "test pool", CancellationToken.None);
            return pool;
        }
        catch
        {
            await pool.DisposeAsync();
            throw;
        }
    }

    /// <summary>Makes a domain of the pool's kind that belongs to no pool yet.</summary>
    public async Task<Guid> AddDomainAsync(Guid? uuid = null, string description = "extra")
    {
        var domain = uuid ?? Guid.NewGuid();
        if (Kind == "file")
        {
            await FileDomain.CreateAsync(Mount, domain, description, 512, 1, CancellationToken.None);
            return domain;
        }

        Requires.LoopDevices();
        Requires.Tool("lvm", "lvm2");
        var lun = await LoopDevice.CreateAsync(_dir.Path, LunSize, 512);
        _luns.Add(lun);
        await BlockDomain.CreateAsync([lun.Path], domain, description, 512, 1, CancellationToken.None);
        return domain;
    }

    /// <summary>Opens a domain of the pool for reading (closed with the pool).</summary>
    public async Task<IDomainManifest> StoreAsync(Guid domain)
    {
        var store = await Locator.OpenAsync(domain, new QemuImg(), _dir.File("admin"), CancellationToken.None);
        _owned.Add(store);
        return store;
    }

    /// <summary>Opens a domain and becomes its one-shot writer as host <paramref name="hostId"/>.</summary>
    public async Task<DomainWriter> WriterAsync(Guid domain, int hostId = 1)
    {
        var store = await StoreAsync(domain);
        var writer = await DomainWriter.OpenAsync(store, new QemuImg(), new WriterOptions { HostId = hostId, RunDirectory = _dir.File("admin") },
            NullLogger.Instance, CancellationToken.None);
        _owned.Add(writer);
        return writer;
    }

    /// <summary>Closes a writer <see cref="WriterAsync"/> opened, giving its SPM lease back now.</summary>
    public async Task CloseAsync(DomainWriter writer)
    {
        _owned.Remove(writer);
        await writer.DisposeAsync();
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

    /// <summary>A host connected to the pool, with its SPM role (Free); its monitor, election and role run on <paramref name="time"/> if given.</summary>
    public async Task<SpmRole> HostAsync(int hostId, TimeProvider? time = null)
    {
        var host = await PoolHost.ConnectAsync(Options(hostId) with { Time = time ?? TimeProvider.System }, new QemuImg(), NullLogger.Instance, CancellationToken.None);
        _owned.Add(host);
        var role = new SpmRole(host, NullLogger.Instance);
        _owned.Add(role);
        return role;
    }

    /// <summary>Runs the real <c>sanpool</c> as host 1 on this pool's storage, optionally told to kill itself at a crash point.</summary>
    public Task<ToolResult> CliAsync(IEnumerable<string> args, string? crashAt = null)
    {
        var env = new Dictionary<string, string>
        {
            ["SANPOOL_RUN_DIR"] = _dir.File("cli"),
            ["SANPOOL_HOST_ID"] = "1",
            [Kind == "file" ? "SANPOOL_PATH" : "SANPOOL_DEVICES"] = Kind == "file" ? Mount : string.Join(',', Devices),
        };
        if (crashAt is not null)
        {
            env[CrashPoint.Variable] = crashAt;
        }

        return SanpoolCli.RunAsync(args, env, TimeSpan.FromMinutes(3));
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        for (int i = _luns.Count - 1; i >= 0; i--)
        {
            await _luns[i].DisposeAsync();
        }

        _dir.Dispose();
    }
}
