using Sanpool.TestSupport;

namespace Sanpool.BlockIO.Tests;

/// <summary>
/// Something to open a <see cref="DirectBlockDevice"/> on: a regular file in a temp dir, or a
/// real loop device with 512- or 4096-byte logical sectors (root). Disposing removes both.
/// </summary>
internal sealed class DeviceTarget : IAsyncDisposable
{
    public const long Size = 1024 * 1024;

    private readonly TempDir _dir;
    private readonly LoopDevice? _loop;

    private DeviceTarget(TempDir dir, LoopDevice? loop, string path, int sectorSize)
    {
        _dir = dir;
        _loop = loop;
        Path = path;
        SectorSize = sectorSize;
    }

    public string Path { get; }

    /// <summary>The sector size the opened device must report.</summary>
    public int SectorSize { get; }

    /// <summary><paramref name="kind"/> is "file" (always 512-byte sectors) or "loop".</summary>
    public static async Task<DeviceTarget> CreateAsync(string kind, int sectorSize)
    {
        var dir = new TempDir("blockio");
        try
        {
            switch (kind)
            {
                case "file":
                    Assert.Equal(512, sectorSize);
                    return new DeviceTarget(dir, null, dir.CreateSparseFile("disk.img", Size), 512);
                case "loop":
                    Requires.LoopDevices();
                    var loop = await LoopDevice.CreateAsync(dir.Path, Size, sectorSize);
                    return new DeviceTarget(dir, loop, loop.Path, sectorSize);
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "file or loop");
            }
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_loop is not null)
        {
            await _loop.DisposeAsync();
        }

        _dir.Dispose();
    }
}
