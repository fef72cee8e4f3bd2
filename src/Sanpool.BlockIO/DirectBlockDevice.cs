using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sanpool.Core;

namespace Sanpool.BlockIO;

/// <summary>
/// The real device: a file or block device opened O_RDWR | O_DIRECT | O_SYNC, as sanlock opens
/// its disks, so that reads see other hosts' writes and a completed write is on the storage.
/// The data path opens PVs without O_SYNC (<c>sync: false</c>), as qemu's cache=none does:
/// O_DIRECT still bypasses the page cache, and a client's flush or FUA becomes
/// <see cref="FlushAsync"/> (fdatasync) instead of a flush after every write.
/// Every I/O goes through a 4096-aligned bounce buffer, because O_DIRECT needs aligned memory
/// and callers' buffers are ordinary arrays.
/// </summary>
public sealed class DirectBlockDevice : IBlockDevice
{
    /// <summary>The largest write of zeros where the storage cannot zero a range itself.</summary>
    private const int ZeroChunk = 1024 * 1024;

    private readonly SafeFileHandle _handle;

    private DirectBlockDevice(string path, SafeFileHandle handle, int sectorSize, bool isDirect)
    {
        Path = path;
        _handle = handle;
        SectorSize = sectorSize;
        IsDirect = isDirect;
    }

    public string Path { get; }

    public int SectorSize { get; }

    /// <summary>False only on file systems that refuse O_DIRECT (tmpfs); then O_SYNC alone is used.</summary>
    public bool IsDirect { get; }

    public long Size
    {
        get
        {
            long end = Libc.Lseek((int)_handle.DangerousGetHandle(), 0, Libc.SEEK_END);
            return end < 0 ? 0 : end;
        }
    }

    /// <summary>Opens <paramref name="path"/> for direct I/O.</summary>
    /// <param name="sync">
    /// O_SYNC as well (the default): a completed write is durable, not only visible. The storage
    /// mailbox passes false, as VDSM's <c>dd oflag=direct</c> does: O_DIRECT alone already makes
    /// a write visible to every host reading the storage, a lost message is re-sent, and the
    /// flush O_SYNC adds to each write would dominate the mailbox's round trip.
    /// </param>
    /// <exception cref="SanpoolException">OPEN_FAILED with the errno text.</exception>
    public static DirectBlockDevice Open(string path, bool readOnly = false, bool sync = true)
    {
        int access = (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC | (sync ? Libc.O_SYNC : 0);
        bool isDirect = true;
        int fd = Libc.Open(path, access | Libc.O_DIRECT, 0);
        if (fd < 0 && Marshal.GetLastPInvokeError() == Libc.EINVAL)
        {
            isDirect = false;
            fd = Libc.Open(path, access, 0);
        }

        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SanpoolException(BlockIoErrors.OpenFailed, $"cannot open {path}: {Libc.Describe(errno)}");
        }

        int sectorSize = Libc.IoctlInt(fd, Libc.BLKSSZGET, out int ss) == 0 && ss > 0 ? ss : 512;
        return new DirectBlockDevice(path, new SafeFileHandle(fd, ownsHandle: true), sectorSize, isDirect);
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BlockIoChecks.Check(this, offset, buffer.Length);
        if (IsAligned(buffer))
        {
            // The caller's memory is already fit for O_DIRECT (the NBD server's pooled buffers): no copy.
            await FillAsync(buffer, offset).ConfigureAwait(false);
            return;
        }

        using var bounce = new AlignedBuffer(buffer.Length);
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await RunIo(() => RandomAccess.Read(_handle, bounce.GetSpan()[done..], offset + done), "read", offset)
                .ConfigureAwait(false);
            if (n == 0)
            {
                throw new SanpoolException(BlockIoErrors.OutOfRange, $"short read at {offset + done} on {Path}");
            }

            done += n;
        }

        bounce.GetSpan().CopyTo(buffer.Span);
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        BlockIoChecks.Check(this, offset, data.Length);
        if (IsAligned(data))
        {
            await RunIo(() => { RandomAccess.Write(_handle, data.Span, offset); return 0; }, "write", offset).ConfigureAwait(false);
            return;
        }

        using var bounce = new AlignedBuffer(data.Length);
        data.Span.CopyTo(bounce.GetSpan());
        await RunIo(() => { RandomAccess.Write(_handle, bounce.GetSpan(), offset); return 0; }, "write", offset)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Makes [<paramref name="offset"/>, + <paramref name="length"/>) read as zeros: BLKZEROOUT on a
    /// block device (the device zeroes the range itself where it can, e.g. WRITE SAME or a loop
    /// device's fallocate; otherwise the kernel writes zero pages), fallocate ZERO_RANGE on a file,
    /// and zeros written from here where neither is supported. Either way the range reads zero after.
    /// Not cancellable once a piece is issued; callers cut large ranges into pieces.
    /// </summary>
    /// <exception cref="SanpoolException">OUT_OF_RANGE, UNALIGNED, IO_ERROR.</exception>
    public async ValueTask ZeroRangeAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        BlockIoChecks.Check(this, offset, length);
        int errno = await RunIo(() => RangeOp(Libc.BLKZEROOUT, Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, offset, length), "zero-range", offset)
            .ConfigureAwait(false);
        if (errno == 0)
        {
            return;
        }

        if (errno is not (Libc.EOPNOTSUPP or Libc.EINVAL))
        {
            throw new SanpoolException(BlockIoErrors.IoError, $"zeroing {length} bytes at {offset} on {Path} failed: {Libc.Describe(errno)}", isTransient: true);
        }

        using var zeroes = new AlignedBuffer((int)Math.Min(length, ZeroChunk));
        zeroes.GetSpan().Clear();
        for (long done = 0; done < length; done += zeroes.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await WriteAsync(offset + done, zeroes.Memory[..(int)Math.Min(zeroes.Length, length - done)], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tells the storage it may free [<paramref name="offset"/>, + <paramref name="length"/>):
    /// BLKDISCARD on a block device, a punched hole on a file. Returns false, changing nothing,
    /// where neither is supported. What a discarded range reads afterwards is the device's
    /// business (often zeros, never promised): use <see cref="ZeroRangeAsync"/> to wipe.
    /// </summary>
    /// <exception cref="SanpoolException">OUT_OF_RANGE, UNALIGNED, IO_ERROR.</exception>
    public async ValueTask<bool> DiscardRangeAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        BlockIoChecks.Check(this, offset, length);
        int errno = await RunIo(() => RangeOp(Libc.BLKDISCARD, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length), "discard", offset)
            .ConfigureAwait(false);
        return errno == 0 || (errno is not (Libc.EOPNOTSUPP or Libc.EINVAL)
            ? throw new SanpoolException(BlockIoErrors.IoError, $"discarding {length} bytes at {offset} on {Path} failed: {Libc.Describe(errno)}", isTransient: true)
            : false);
    }

    /// <summary>The ioctl on a block device, or (ENOTTY: a file) fallocate with <paramref name="fileMode"/>; 0 or the errno.</summary>
    private unsafe int RangeOp(ulong ioctl, int fileMode, long offset, long length)
    {
        int fd = (int)_handle.DangerousGetHandle();
        ulong* range = stackalloc ulong[2];
        range[0] = (ulong)offset;
        range[1] = (ulong)length;
        if (Libc.IoctlRange(fd, ioctl, range) == 0)
        {
            return 0;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno != Libc.ENOTTY)
        {
            return errno;
        }

        return Libc.Fallocate(fd, fileMode, offset, length) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Reads straight into <paramref name="buffer"/>, which <see cref="IsAligned"/> approved.</summary>
    private async Task FillAsync(Memory<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await RunIo(() => RandomAccess.Read(_handle, buffer.Span[done..], offset + done), "read", offset).ConfigureAwait(false);
            if (n == 0)
            {
                throw new SanpoolException(BlockIoErrors.OutOfRange, $"short read at {offset + done} on {Path}");
            }

            done += n;
        }
    }

    /// <summary>
    /// True when <paramref name="memory"/> lives in native memory (it cannot move) at an
    /// address O_DIRECT accepts; ordinary arrays are never taken, since the GC may move them
    /// while the I/O runs on another thread.
    /// </summary>
    private static unsafe bool IsAligned(ReadOnlyMemory<byte> memory)
    {
        if (!MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(memory, out _))
        {
            return false;
        }

        using var pin = memory.Pin();
        return ((nuint)pin.Pointer % AlignedBuffer.Alignment) == 0;
    }

    /// <summary>Makes every completed write stable (fdatasync); a no-op in effect when opened synchronous.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await RunIo(() => Libc.Fdatasync((int)_handle.DangerousGetHandle()) == 0 ? 0 : throw new IOException(Libc.Describe(Marshal.GetLastPInvokeError())), "fdatasync", 0)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a blocking pread/pwrite on the thread pool. The I/O itself cannot be cancelled
    /// (neither can the kernel's); a caller that stops waiting must not reuse the bounce buffer,
    /// which is why the buffer is owned by this call and freed only when the I/O returns.
    /// </summary>
    private async Task<int> RunIo(Func<int> io, string what, long offset)
    {
        try
        {
            return await Task.Run(io).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SanpoolException(BlockIoErrors.IoError, $"{what} at {offset} on {Path} failed: {e.Message}", isTransient: true, e);
        }
    }

    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
