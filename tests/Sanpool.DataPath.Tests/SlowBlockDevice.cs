using Sanpool.BlockIO;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// Forwards to another device after a short real delay, so that two operations started
/// together interleave the way they can on real storage (read, read, write, write).
/// </summary>
internal sealed class SlowBlockDevice(IBlockDevice inner) : IBlockDevice
{
    public string Path => inner.Path;

    public int SectorSize => inner.SectorSize;

    public long Size => inner.Size;

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Delay(2, cancellationToken);
        await inner.ReadAsync(offset, buffer, cancellationToken);
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await Task.Delay(2, cancellationToken);
        await inner.WriteAsync(offset, data, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
