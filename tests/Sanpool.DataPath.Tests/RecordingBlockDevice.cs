using System.Collections.Concurrent;
using Sanpool.BlockIO;

namespace Sanpool.DataPath.Tests;

/// <summary>Forwards to another device and records the length of every write it is given.</summary>
internal sealed class RecordingBlockDevice(IBlockDevice inner) : IBlockDevice
{
    public ConcurrentQueue<int> WriteLengths { get; } = new();

    public string Path => inner.Path;

    public int SectorSize => inner.SectorSize;

    public long Size => inner.Size;

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(offset, buffer, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        WriteLengths.Enqueue(data.Length);
        return inner.WriteAsync(offset, data, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
