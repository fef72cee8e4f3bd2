namespace Sanpool.BlockIO;

/// <summary>
/// Sector I/O on shared storage: a file or block device opened for direct I/O.
/// Offsets and lengths are multiples of <see cref="SectorSize"/>. Reads and writes go to the
/// storage itself (no page cache), so another host sees a completed write at once.
/// Implementations: <see cref="DirectBlockDevice"/> (the real one), <see cref="MemoryBlockDevice"/>
/// and <see cref="FaultyBlockDevice"/> (fault injection for tests).
/// </summary>
public interface IBlockDevice : IAsyncDisposable
{
    /// <summary>The path this device was opened from; used in logs and errors.</summary>
    string Path { get; }

    /// <summary>The device's logical sector size: the unit of direct I/O (512 or 4096).</summary>
    int SectorSize { get; }

    /// <summary>The size in bytes.</summary>
    long Size { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>; returns once it is stable.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}
