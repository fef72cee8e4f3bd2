namespace Sanpool.Storage.DataPath;

/// <summary>
/// What an <see cref="LvExport"/> stands on: the LV's bytes [0, <see cref="Size"/>), either
/// mapped segment by segment onto the PVs (<see cref="LvSegments"/>, no device-mapper) or the
/// node of the activated LV (<see cref="ActivatedLv"/>). The export above it keeps everything a
/// client sees (maximum size, ENOSPC, watermark, threshold, fence) the same for both.
/// Every range given here lies inside <see cref="Size"/>; errors are SanpoolExceptions.
/// </summary>
internal interface ILvBacking : IAsyncDisposable
{
    /// <summary>The LV's size as last mapped; grows only through <see cref="RefreshAsync"/>.</summary>
    long Size { get; }

    /// <summary>The largest logical sector size of the devices under the LV.</summary>
    int SectorSize { get; }

    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <param name="fua">Durable before returning: every device written is flushed.</param>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken);

    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Maps the LV's size now (after the SPM extended it) with clients connected; returns it. Never shrinks.</summary>
    Task<long> RefreshAsync(CancellationToken cancellationToken);
}
