using Sanpool.BlockIO;
using Sanpool.DataPath;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// A second path to a LUN that the test can break: the LUN's backing file served over FUSE by
/// this process through a <see cref="FaultyBlockDevice"/>, with a loop device on the FUSE file.
/// A host configured with <see cref="Device"/> instead of the LUN's own loop device sees the
/// same bytes (the FUSE file has no page cache, and the backing file is read with O_DIRECT)
/// until <see cref="Fail"/> gives it I/O errors or <see cref="Hang"/> stops answering, as a
/// lost SAN path would. Other hosts keep their own path.
/// </summary>
internal sealed class FaultyPath : IAsyncDisposable
{
    private readonly DirectBlockDevice _backing;
    private readonly FaultyBlockDevice _faulty;
    private VolumeFileSystem? _fuse;
    private LoopDevice? _loop;

    private FaultyPath(DirectBlockDevice backing)
    {
        _backing = backing;
        _faulty = new FaultyBlockDevice(backing);
    }

    public string Device => _loop?.Path ?? throw new InvalidOperationException("not attached");

    public static async Task<FaultyPath> CreateAsync(LoopDevice lun, string mountPoint)
    {
        var path = new FaultyPath(DirectBlockDevice.Open(lun.BackingFile));
        try
        {
            path._fuse = await VolumeFileSystem.MountAsync(mountPoint, CancellationToken.None);
            path._fuse.Add("lun", path._faulty);
            path._loop = await LoopDevice.AttachExistingAsync(path._fuse.PathOf("lun"), lun.SectorSize);
            return path;
        }
        catch
        {
            await path.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every I/O on this path fails with EIO until the returned handle is disposed.</summary>
    public IDisposable Fail() => _faulty.Inject(new Fault(FaultKind.Fail));

    /// <summary>Every I/O on this path blocks until the returned handle is disposed.</summary>
    public IDisposable Hang() => _faulty.Inject(new Fault(FaultKind.Hang));

    /// <summary>
    /// Brings the path back the way multipath gives up a dead path: the I/O hung on it fails
    /// (it does not land late), and new I/O goes through.
    /// </summary>
    public void Restore() => _faulty.ClearFailingHung();

    /// <summary>Lifts every fault: hung I/O completes.</summary>
    public void Heal() => _faulty.Clear();

    public async ValueTask DisposeAsync()
    {
        _faulty.Clear();
        if (_loop is not null)
        {
            await _loop.DisposeAsync();
        }

        if (_fuse is not null)
        {
            await _fuse.DisposeAsync();
        }

        await _faulty.DisposeAsync();
    }
}
