using System.Globalization;
using System.Security.Cryptography;
using Sanpool.BlockIO;
using Sanpool.TestSupport;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// Zeroed storage for lease areas of one <see cref="GeometryCase"/>: a sparse file in the
/// test's directory or a loop device over one (detached on dispose).
/// </summary>
internal sealed class LeaseTarget : IAsyncDisposable
{
    private readonly LoopDevice? _loop;

    private LeaseTarget(GeometryCase geometry, string path, LoopDevice? loop)
    {
        Geometry = geometry;
        Path = path;
        _loop = loop;
    }

    public GeometryCase Geometry { get; }

    /// <summary>The file or /dev/loopN the tools are given.</summary>
    public string Path { get; }

    public static async Task<LeaseTarget> CreateAsync(TempDir dir, GeometryCase geometry, string name = "disk")
    {
        if (!geometry.OnLoopDevice)
        {
            return new LeaseTarget(geometry, dir.CreateSparseFile(name, geometry.DeviceSize), null);
        }

        Requires.LoopDevices();
        var loop = await LoopDevice.CreateAsync(dir.Path, geometry.DeviceSize, geometry.SectorSize);
        return new LeaseTarget(geometry, loop.Path, loop);
    }

    public string Lockspace(string name, int hostId) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}:{hostId}:{Path}:{GeometryCase.LockspaceOffset}");

    public string Resource(string lockspace, string name) =>
        string.Create(CultureInfo.InvariantCulture, $"{lockspace}:{name}:{Path}:{Geometry.ResourceOffset}");

    /// <summary>Every byte, read with O_DIRECT so that nothing cached hides what the other tool wrote.</summary>
    public Task<byte[]> ReadAllAsync() => ReadBytesAsync(Path, Geometry.DeviceSize);

    public static async Task<byte[]> ReadBytesAsync(string path, long size)
    {
        await using var device = DirectBlockDevice.Open(path, readOnly: true);
        var all = new byte[size];
        const int Chunk = 1024 * 1024;
        for (long at = 0; at < size; at += Chunk)
        {
            int n = (int)Math.Min(Chunk, size - at);
            await device.ReadAsync(at, all.AsMemory((int)at, n));
        }

        return all;
    }

    public static async Task<string> HashAsync(string path) =>
        Convert.ToHexString(SHA256.HashData(await ReadBytesAsync(path, new FileInfo(path).Length)));

    public ValueTask DisposeAsync() => _loop?.DisposeAsync() ?? ValueTask.CompletedTask;

    public override string ToString() => $"{Geometry} at {Path}";
}
