namespace Sanpool.Storage.Thin;

/// <summary>
/// A thin volume as the host serving it sees it: storage that is <see cref="CurrentSize"/>
/// bytes now and may grow to <see cref="MaximumSize"/>, with the highest offset written so far
/// (the watermark, DESIGN section 4). Writes past <see cref="CurrentSize"/> fail with ENOSPC
/// until the SPM extends the storage and <see cref="RefreshAsync"/> maps the new size.
/// Implemented by the data path (an LV served over NBD); tests use an in-memory one.
/// </summary>
public interface IThinVolume
{
    Guid Domain { get; }

    Guid Image { get; }

    Guid Volume { get; }

    /// <summary>The bytes the storage gives the volume now (the LV size).</summary>
    long CurrentSize { get; }

    /// <summary>The most the volume may ever need (block COW: capacity x 1.1, rounded up to extents).</summary>
    long MaximumSize { get; }

    /// <summary>The end of the highest write so far, in bytes (0 before any write).</summary>
    long HighestWrite { get; }

    /// <summary>
    /// Arms a one-shot watermark: <see cref="ThresholdCrossed"/> fires once when a write ends
    /// past <paramref name="offset"/> (or at once if <see cref="HighestWrite"/> already is).
    /// Like qemu's block-set-write-threshold: re-arm after each extension.
    /// </summary>
    void SetWriteThreshold(long offset);

    /// <summary>Raised (on the writer's thread; keep it short) when an armed threshold is crossed, with the write's end.</summary>
    event Action<IThinVolume, long>? ThresholdCrossed;

    /// <summary>Raised when a write is refused for lack of space (it reached past <see cref="CurrentSize"/>), with the write's end.</summary>
    event Action<IThinVolume, long>? OutOfSpace;

    /// <summary>Re-reads the storage's size and mapping (after the SPM extended it); returns the new <see cref="CurrentSize"/>.</summary>
    Task<long> RefreshAsync(CancellationToken cancellationToken);
}
