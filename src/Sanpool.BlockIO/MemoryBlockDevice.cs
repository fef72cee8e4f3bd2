namespace Sanpool.BlockIO;

/// <summary>
/// Shared storage in memory: one <see cref="MemoryDisk"/> that several devices (several
/// "hosts") open at once, for fast unit tests. Each I/O is atomic with respect to the others,
/// as a single-sector write is on real storage.
/// </summary>
public sealed class MemoryBlockDevice : IBlockDevice
{
    private readonly MemoryDisk _disk;

    public MemoryBlockDevice(MemoryDisk disk)
    {
        _disk = disk;
    }

    public string Path => _disk.Name;

    public int SectorSize => _disk.SectorSize;

    public long Size => _disk.Size;

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BlockIoChecks.Check(this, offset, buffer.Length);
        _disk.Read(offset, buffer.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        BlockIoChecks.Check(this, offset, data.Length);
        _disk.Write(offset, data.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
