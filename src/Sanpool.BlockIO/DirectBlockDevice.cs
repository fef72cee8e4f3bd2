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
