using Sanpool.Nbd;

namespace Sanpool.Nbd.Tests.Support;

/// <summary>
/// An export held in memory, for tests: writes past <see cref="CurrentEnd"/> fail with ENOSPC
/// (a thin volume not yet extended), <see cref="Failure"/> makes every call throw it, and
/// <see cref="Delay"/> holds each call so that concurrency can be watched.
/// </summary>
internal sealed class MemoryExport(string name, long size, int minimumBlockSize = 512, bool readOnly = false) : INbdExport
{
    private readonly byte[] _data = new byte[size];
    private int _running;
    private int _maxRunning;

    public string Name { get; } = name;

    public long Size { get; } = size;

    public bool ReadOnly { get; } = readOnly;

    public int MinimumBlockSize { get; } = minimumBlockSize;

    /// <summary>Writes reaching past here are refused with ENOSPC; the export's size by default.</summary>
    public long CurrentEnd { get; set; } = size;

    public Exception? Failure { get; set; }

    public TimeSpan Delay { get; set; }

    public int Flushes;
    public int Trims;
    public int Writes;
    public int FuaWrites;
    public int ZeroesWithoutHole;

    /// <summary>The most calls that were inside this export at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public Span<byte> Bytes => _data;

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            _data.AsSpan((int)offset, buffer.Length).CopyTo(buffer.Span);
        }
        finally
        {
            Leave();
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            if (offset + data.Length > CurrentEnd)
            {
                throw new NbdExportException(NbdErrno.ENOSPC, $"write at {offset} past the current end {CurrentEnd}");
            }

            data.Span.CopyTo(_data.AsSpan((int)offset));
            Interlocked.Increment(ref Writes);
            if (fua)
            {
                Interlocked.Increment(ref FuaWrites);
            }
        }
        finally
        {
            Leave();
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        Interlocked.Increment(ref Flushes);
        Leave();
    }

    public async ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        Interlocked.Increment(ref Trims);
        Leave();
    }

    public async ValueTask WriteZeroesAsync(long offset, long length, bool mayTrim, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            if (offset + length > CurrentEnd)
            {
                throw new NbdExportException(NbdErrno.ENOSPC, $"write-zeroes at {offset} past the current end {CurrentEnd}");
            }

            _data.AsSpan((int)offset, (int)length).Clear();
            if (!mayTrim)
            {
                Interlocked.Increment(ref ZeroesWithoutHole);
            }
        }
        finally
        {
            Leave();
        }
    }

    private async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        int now = Interlocked.Increment(ref _running);
        int max;
        while (now > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, max) != max)
        {
        }

        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            if (Failure is { } failure)
            {
                throw failure;
            }
        }
        catch
        {
            Interlocked.Decrement(ref _running);
            throw;
        }
    }

    private void Leave() => Interlocked.Decrement(ref _running);
}
