using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sanpool.Core;

namespace Sanpool.Nbd;

/// <summary>
/// An export of a file or block device: reads and writes go straight to it with pread/pwrite,
/// O_DIRECT where the file system allows (as qemu-nbd --cache=none), so the server's aligned
/// buffers reach the storage without a copy; flush is fdatasync. Trim punches a hole (best
/// effort); write-zeroes uses fallocate ZERO_RANGE or PUNCH_HOLE and falls back to writing
/// zeroes. Used for volumes on file domains and as the plain export in tests and the benchmark.
/// </summary>
public sealed class FileExport : INbdExport, IDisposable
{
    private const int ZeroChunk = 1024 * 1024;
    private readonly SafeFileHandle _handle;
    private readonly Lazy<NbdBuffer> _zeroes = new(() => NewZeroBuffer(), LazyThreadSafetyMode.ExecutionAndPublication);
    private int _fallocateZeroUnsupported;

    private FileExport(string name, string path, SafeFileHandle handle, long size, bool readOnly, bool direct, int sectorSize)
    {
        Name = name;
        Path = path;
        _handle = handle;
        Size = size;
        ReadOnly = readOnly;
        IsDirect = direct;
        MinimumBlockSize = direct ? sectorSize : 1;
    }

    public string Name { get; }

    public string Path { get; }

    public long Size { get; }

    public bool ReadOnly { get; }

    /// <summary>Under O_DIRECT the unit direct I/O needs: the device's logical sector size (512 or 4096), 512 for a file; otherwise 1.</summary>
    public int MinimumBlockSize { get; }

    /// <summary>False when asked so, or where the file system refuses O_DIRECT (tmpfs before Linux 6.6); then the page cache is used and flush does the rest.</summary>
    public bool IsDirect { get; }

    /// <summary>
    /// Opens <paramref name="path"/>, a file or a block device; its current size (rounded down to
    /// whole sectors under O_DIRECT) is the export's size.
    /// </summary>
    /// <exception cref="SanpoolException">NBD_OPEN_FAILED.</exception>
    public static FileExport Open(string name, string path, bool readOnly = false, bool direct = true)
    {
        int flags = (readOnly ? NbdLibc.O_RDONLY : NbdLibc.O_RDWR) | NbdLibc.O_CLOEXEC;
        int fd = direct ? NbdLibc.Open(path, flags | NbdLibc.O_DIRECT, 0) : -1;
        bool isDirect = fd >= 0;
        if (fd < 0 && (!direct || Marshal.GetLastPInvokeError() == NbdLibc.EINVAL))
        {
            fd = NbdLibc.Open(path, flags, 0);
        }

        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SanpoolException(NbdErrors.OpenFailed, $"cannot open {path} for export '{name}': {NbdLibc.Describe(errno)}");
        }

        // lseek, not fstat: a block device's st_size is 0. BLKSSZGET answers only for block devices.
        long size = NbdLibc.Lseek(fd, 0, NbdLibc.SEEK_END);
        int sectorSize = NbdLibc.IoctlInt(fd, NbdLibc.BLKSSZGET, out int ss) == 0 && ss > 0 ? ss : 512;
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (size < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new SanpoolException(NbdErrors.OpenFailed, $"cannot size {path} for export '{name}': {NbdLibc.Describe(errno)}");
        }

        return new FileExport(name, path, handle, isDirect ? size / sectorSize * sectorSize : size, readOnly, isDirect, sectorSize);
    }

    /// <remarks>
    /// A plain pread: the server calls exports on thread-pool threads, one per request in flight,
    /// and RandomAccess's async path on a synchronous handle would block a pool thread the same
    /// way, only after one more hop.
    /// </remarks>
    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var span = buffer.Span;
        int done = 0;
        while (done < span.Length)
        {
            int n;
            try
            {
                n = RandomAccess.Read(_handle, span[done..], offset + done);
            }
            catch (IOException e)
            {
                throw Translate(e);
            }

            if (n == 0)
            {
                // The file shrank under us; what is past its end reads as zeroes, as a hole would.
                span[done..].Clear();
                break;
            }

            done += n;
        }

        return ValueTask.CompletedTask;
    }

    /// <remarks>A plain pwrite, for the reason <see cref="ReadAsync"/> gives.</remarks>
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            RandomAccess.Write(_handle, data.Span, offset);
        }
        catch (IOException e)
        {
            throw Translate(e);
        }

        return fua ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (NbdLibc.Fdatasync((int)_handle.DangerousGetHandle()) != 0)
        {
            throw ErrnoException("fdatasync", Marshal.GetLastPInvokeError());
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Best effort: a file system that cannot punch holes simply keeps the data.</summary>
    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken)
    {
        _ = NbdLibc.Fallocate((int)_handle.DangerousGetHandle(), NbdLibc.FALLOC_FL_PUNCH_HOLE | NbdLibc.FALLOC_FL_KEEP_SIZE, offset, length);
        return ValueTask.CompletedTask;
    }

    public async ValueTask WriteZeroesAsync(long offset, long length, bool mayTrim, CancellationToken cancellationToken)
    {
        int fd = (int)_handle.DangerousGetHandle();
        int mode = mayTrim ? NbdLibc.FALLOC_FL_PUNCH_HOLE | NbdLibc.FALLOC_FL_KEEP_SIZE : NbdLibc.FALLOC_FL_ZERO_RANGE | NbdLibc.FALLOC_FL_KEEP_SIZE;
        if (Volatile.Read(ref _fallocateZeroUnsupported) == 0)
        {
            if (NbdLibc.Fallocate(fd, mode, offset, length) == 0)
            {
                return;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != NbdLibc.EOPNOTSUPP)
            {
                throw ErrnoException("fallocate", errno);
            }

            // Block devices and some file systems have neither; from now on zeroes are written.
            Volatile.Write(ref _fallocateZeroUnsupported, 1);
        }

        var zeroes = _zeroes.Value.Data;
        for (long done = 0; done < length; done += ZeroChunk)
        {
            await WriteAsync(offset + done, zeroes[..(int)Math.Min(ZeroChunk, length - done)], fua: false, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        if (_zeroes.IsValueCreated)
        {
            ((IDisposable)_zeroes.Value).Dispose();
        }
    }

    private static NbdBuffer NewZeroBuffer()
    {
        var buffer = new NbdBuffer(ZeroChunk, 0);
        buffer.GetSpan().Clear();
        return buffer;
    }

    /// <summary>The NBD errno for a failed pread/pwrite: ENOSPC for the out-of-space family (as proto.md asks), else EIO.</summary>
    private NbdExportException Translate(IOException e)
    {
        int errno = e.HResult & 0xffff;
        return errno is NbdLibc.ENOSPC or NbdLibc.EDQUOT or NbdLibc.EFBIG
            ? new NbdExportException(NbdErrno.ENOSPC, $"{Path}: {e.Message}", e)
            : new NbdExportException(NbdErrno.EIO, $"{Path}: {e.Message}", e);
    }

    private NbdExportException ErrnoException(string call, int errno) =>
        new(errno is NbdLibc.ENOSPC or NbdLibc.EDQUOT or NbdLibc.EFBIG ? NbdErrno.ENOSPC : NbdErrno.EIO, $"{call} on {Path}: {NbdLibc.Describe(errno)}");
}
