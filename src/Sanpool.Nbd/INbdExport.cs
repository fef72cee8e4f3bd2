namespace Sanpool.Nbd;

/// <summary>
/// What an NBD server serves under one export name: a byte range of <see cref="Size"/> bytes.
/// The server checks every request against <see cref="Size"/> and <see cref="MinimumBlockSize"/>
/// before it calls in here, so an export sees only in-range, aligned requests. An export
/// refuses a request by throwing <see cref="NbdExportException"/> with the errno the client
/// should get (ENOSPC for a write past a thin volume's current end, EIO for failed storage,
/// EPERM for a write fence); any other exception is answered with EIO and logged.
/// </summary>
public interface INbdExport
{
    /// <summary>The name clients ask for (NBD_OPT_GO / NBD_OPT_EXPORT_NAME).</summary>
    string Name { get; }

    /// <summary>The size advertised to clients, in bytes; fixed for the export's life.</summary>
    long Size { get; }

    /// <summary>True when writes, trims and write-zeroes are refused (NBD_FLAG_READ_ONLY).</summary>
    bool ReadOnly { get; }

    /// <summary>The alignment every request's offset and length must have (NBD_INFO_BLOCK_SIZE minimum): 1, 512 or 4096.</summary>
    int MinimumBlockSize { get; }

    ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <param name="fua">NBD_CMD_FLAG_FUA: the data must be stable before the reply.</param>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken);

    /// <summary>Every completed write is stable once this returns.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>The client no longer needs the range; an export may ignore it.</summary>
    ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken);

    /// <summary>The range reads as zeroes afterwards.</summary>
    /// <param name="mayTrim">False when the client sent NBD_CMD_FLAG_NO_HOLE.</param>
    ValueTask WriteZeroesAsync(long offset, long length, bool mayTrim, CancellationToken cancellationToken);
}
