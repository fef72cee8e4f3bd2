using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sanpool.Core;

namespace Sanpool.DataPath;

/// <summary>
/// The /dev/fuse descriptor of one mount. Each read returns exactly one request; each write
/// must be exactly one whole reply, which the kernel takes atomically, so replies from many
/// threads need no lock. The descriptor is a <see cref="SafeFileHandle"/> so that a reply
/// racing <see cref="Dispose"/> can never write to a reused descriptor number.
/// </summary>
internal sealed unsafe class FuseChannel : IDisposable
{
    private const string DevicePath = "/dev/fuse";

    private readonly SafeFileHandle _handle;

    private FuseChannel(SafeFileHandle handle)
    {
        _handle = handle;
    }

    /// <summary>The descriptor number, for the mount options ("fd=N").</summary>
    public int Descriptor => (int)_handle.DangerousGetHandle();

    /// <summary>Opens /dev/fuse close-on-exec: a child (qemu-img) holding it would keep a dead server's mount alive.</summary>
    public static FuseChannel Open()
    {
        int fd = FuseNative.Open(DevicePath, FuseNative.O_RDWR | FuseNative.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SanpoolException(DataPathErrors.MountFailed, $"cannot open {DevicePath}: {FuseNative.Describe(errno)}");
        }

        return new FuseChannel(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for a request; true when one (or an
    /// error that the next read reports) is ready. The reader polls rather than blocking in
    /// read so that it can notice a stop request while the kernel has nothing to say.
    /// </summary>
    public bool WaitReadable(int timeoutMilliseconds)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var pollFd = new FuseNative.PollFd { Fd = Descriptor, Events = FuseNative.POLLIN };
            return FuseNative.Poll(&pollFd, 1, timeoutMilliseconds) > 0;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Reads one request into <paramref name="buffer"/>; returns its length, or -errno.</summary>
    public int Read(byte[] buffer)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* p = buffer)
            {
                nint n = FuseNative.Read(Descriptor, p, (nuint)buffer.Length);
                return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return -FuseNative.ENODEV;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Writes one reply made of two pieces (header, then body or data) with one writev; returns 0 or an errno.</summary>
    public int Write(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* h = head)
            fixed (byte* t = tail)
            {
                var iov = stackalloc FuseNative.IoVec[2];
                iov[0] = new FuseNative.IoVec { Base = h, Length = (nuint)head.Length };
                iov[1] = new FuseNative.IoVec { Base = t, Length = (nuint)tail.Length };
                nint n = FuseNative.WriteV(Descriptor, iov, tail.IsEmpty ? 1 : 2);
                return n >= 0 ? 0 : Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return FuseNative.ENODEV;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Closes the descriptor (once no read or write is using it). The kernel then aborts the connection.</summary>
    public void Dispose() => _handle.Dispose();
}
