using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.DataPath;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// A real domain for a test: a file domain in a temporary directory, or a block domain on
/// loop devices (detached on dispose, even after a failure). io_timeout 1 s keeps each
/// writer's host-id acquisition at 2 s.
/// </summary>
internal sealed partial class TestDomain : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly List<IAsyncDisposable> _owned = [];

    private TestDomain(TempDir dir, string kind, Guid uuid)
    {
        _dir = dir;
        Kind = kind;
        Uuid = uuid;
        RunDirectory = dir.File("run");
    }

    public string Kind { get; }

    public Guid Uuid { get; }

    public string RunDirectory { get; }

    public string Mount => _dir.File("mnt");

    public IReadOnlyList<string> Devices { get; private set; } = [];

    public QemuImg QemuImg { get; } = new();

    public string Scratch(string name) => _dir.File(name);

    public DomainLocator Locator => new(Kind == "file" ? [Mount] : [], Devices) { Files = new FuseDeviceFiles() };

    public static async Task<TestDomain> CreateAsync(string kind, int sectorSize, string prefix = "domain")
    {
        var dir = new TempDir(prefix);
        var domain = new TestDomain(dir, kind, Guid.NewGuid());
        try
        {
            Directory.CreateDirectory(domain.Mount);
            if (kind == "file")
            {
                await FileDomain.CreateAsync(domain.Mount, domain.Uuid, "test", sectorSize, 1, CancellationToken.None);
            }
            else
            {
                await domain.CreateBlockAsync(sectorSize);
            }

            return domain;
        }
        catch
        {
            await domain.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another domain of the same kind on the same storage paths (for copies).</summary>
    public async Task<Guid> AddDomainAsync(int sectorSize)
    {
        var uuid = Guid.NewGuid();
        if (Kind == "file")
        {
            await FileDomain.CreateAsync(Mount, uuid, "second", sectorSize, 1, CancellationToken.None);
        }
        else
        {
            await AddBlockDomainAsync(uuid, sectorSize);
        }

        return uuid;
    }

    public Task<IDomainManifest> OpenAsync(Guid? domain = null) =>
        Locator.OpenAsync(domain ?? Uuid, QemuImg, RunDirectory, CancellationToken.None);

    public async Task<DomainWriter> WriterAsync(IDomainManifest store, int hostId = 1) =>
        await DomainWriter.OpenAsync(store, QemuImg, new WriterOptions { HostId = hostId, RunDirectory = RunDirectory, HostName = Environment.MachineName },
            NullLogger.Instance, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _dir.Dispose();
    }
}
