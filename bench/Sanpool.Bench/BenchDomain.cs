using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.DataPath;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// A block domain for the storage suite: a sparse file of our own attached as a loop device
/// (512-byte sectors, direct I/O) standing in for a SAN LUN, with a domain made on it by
/// <see cref="BlockDomain.CreateAsync(IReadOnlyList{string}, Guid, string, int, int, CancellationToken)"/>
/// as <c>sanpool domain create --block DEV --io-timeout N</c> does. Writers (the library's and
/// the CLI's) share one run directory, as the commands of one host would. Disposing detaches
/// exactly the loop device it attached and deletes the file, so the VG goes with it; a domain
/// borrowed from a <see cref="Sanpool.Harness.LocalPools.LocalPool"/> is left to its owner.
/// </summary>
internal sealed class BenchDomain : IAsyncDisposable
{
    private readonly LoopDevice? _lun;

    private BenchDomain(LoopDevice? lun, string device, Guid uuid, string runDirectory, int ioTimeout, int hostId)
    {
        _lun = lun;
        Device = device;
        Uuid = uuid;
        RunDirectory = runDirectory;
        IoTimeout = ioTimeout;
        HostId = hostId;
    }

    public Guid Uuid { get; }

    /// <summary>The VG: a block domain's VG is named by the domain's UUID.</summary>
    public string Vg => Uuid.ToString();

    /// <summary>The loop device, the domain's only PV.</summary>
    public string Device { get; }

    public string RunDirectory { get; }

    public int IoTimeout { get; }

    /// <summary>The host id the library's and the CLI's writers use.</summary>
    public int HostId { get; }

    public QemuImg QemuImg { get; } = new();

    /// <summary>What a <c>sanpool</c> process needs to act as this host: its run directory.</summary>
    public IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string> { ["SANPOOL_RUN_DIR"] = RunDirectory };

    /// <summary>Creates a LUN of <paramref name="lunSize"/> bytes in <paramref name="dir"/> and a block domain on it.</summary>
    public static async Task<BenchDomain> CreateAsync(string dir, long lunSize, int ioTimeout)
    {
        Directory.CreateDirectory(dir);
        var lun = await LoopDevice.CreateAsync(dir, lunSize);
        try
        {
            var uuid = Guid.NewGuid();
            await BlockDomain.CreateAsync([lun.Path], uuid, "bench", 512, ioTimeout, CancellationToken.None);
            return new BenchDomain(lun, lun.Path, uuid, Path.Combine(dir, "run"), ioTimeout, 1);
        }
        catch
        {
            await lun.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A domain someone else made and will take away (a local pool's data domain); its writers
    /// use <paramref name="hostId"/>, which must be one no agent of that pool uses.
    /// </summary>
    public static BenchDomain Borrow(string device, Guid uuid, string runDirectory, int ioTimeout, int hostId) =>
        new(null, device, uuid, runDirectory, ioTimeout, hostId);

    /// <summary>The domain as the CLI opens it: found through its device, nothing else scanned.</summary>
    public Task<IDomainManifest> OpenStoreAsync() =>
        new DomainLocator([], [Device]) { Files = new FuseDeviceFiles() }.OpenAsync(Uuid, QemuImg, RunDirectory, CancellationToken.None);

    /// <summary>Becomes the domain's writer as <see cref="HostId"/> (writer lock, host id, SPM lease).</summary>
    public Task<DomainWriter> OpenWriterAsync(IDomainManifest store) =>
        DomainWriter.OpenAsync(store, QemuImg, new WriterOptions { HostId = HostId, RunDirectory = RunDirectory }, NullLogger.Instance, CancellationToken.None);

    public ValueTask DisposeAsync() => _lun?.DisposeAsync() ?? ValueTask.CompletedTask;
}
