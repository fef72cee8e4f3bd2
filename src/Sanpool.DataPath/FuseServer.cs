using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sanpool.DataPath;

/// <summary>
/// A FUSE file system server speaking the Linux kernel protocol directly over /dev/fuse, with
/// no libfuse.
///
/// Messages. Every request the kernel sends is one read() of a fuse_in_header (40 bytes: len,
/// opcode, unique, nodeid, uid, gid, pid, total_extlen, padding) followed by an opcode-specific
/// body. Every reply is one write() of a fuse_out_header (16 bytes: len, error, unique) and, on
/// success, a body; an error reply is the header alone with error = -errno. The kernel matches
/// replies to requests by unique, so replies may be sent in any order from any thread. FUSE is
/// in host byte order, not a wire order: this code runs on x86_64 (little-endian) and refuses
/// to mount on a big-endian host, and every codec names little-endian at each field.
///
/// Protocol subset. INIT is answered with major 7 and the kernel's minor capped at
/// <see cref="HighestMinor"/>; of the capability flags only async reads, big writes, async
/// direct I/O and max_pages (so requests carry up to <see cref="MaxWrite"/> bytes) are accepted
/// — never readdirplus, writeback cache, locks, or anything else this server does not do. One
/// directory (node 1) holds regular files: LOOKUP, GETATTR, SETATTR (accepted, size unchanged),
/// OPEN, READ, WRITE, FLUSH, FSYNC, RELEASE, OPENDIR, READDIR, RELEASEDIR, STATFS, ACCESS, and
/// DESTROY are handled (<see cref="VolumeRequestHandler"/>); FORGET, BATCH_FORGET and INTERRUPT
/// get no reply; GETXATTR, LISTXATTR and every other opcode get ENOSYS, which the kernel
/// remembers and stops asking.
///
/// Why FOPEN_DIRECT_IO. Every OPEN is answered with FOPEN_DIRECT_IO, so the kernel never keeps
/// volume data in its page cache: other hosts write the same LVs, and a cached page would be
/// stale the moment another host wrote (or would hide this host's unflushed writes from them).
/// Every read and write therefore reaches this server, at whatever byte offset the caller used.
///
/// Threads. One dedicated reader thread reads requests into a buffer of max_write + 4 KiB (the
/// kernel refuses to hand a WRITE to a smaller buffer) and queues each to the thread pool; the
/// buffer goes with the request and returns to a pool after its reply. The reader polls, so a
/// stop request is seen within <see cref="PollMilliseconds"/> even when the kernel is idle.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "its semaphores and token sources hold nothing to release: no AvailableWaitHandle, no CancelAfter timer; they live as long as the object")]
internal sealed partial class FuseServer
{
    public const int MaxWrite = 1 << 20;
    public const int RequestBufferSize = MaxWrite + 4096;
    public const uint ProtocolMajor = 7;

    /// <summary>7.31 (Linux 5.4): every field this server reads or writes has its current layout.</summary>
    public const uint HighestMinor = 31;

    /// <summary>7.23 brought the 64-byte fuse_init_out this server always sends.</summary>
    public const uint LowestMinor = 23;

    private const int PollMilliseconds = 200;
    private const int PageSize = 4096;
    private const int PooledBuffers = 32;
    private const FuseInitFlags Offered = FuseInitFlags.AsyncRead | FuseInitFlags.BigWrites | FuseInitFlags.AsyncDio | FuseInitFlags.MaxPages;

    private readonly FuseChannel _channel;
    private readonly VolumeRequestHandler _handler;
    private readonly ILogger _logger;
    private readonly string _mountPoint;
    private readonly ConcurrentQueue<byte[]> _buffers = new();
    private readonly TaskCompletionSource _initialized = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _readerStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;

    public FuseServer(FuseChannel channel, VolumeRequestHandler handler, string mountPoint, ILogger logger)
    {
        _channel = channel;
        _handler = handler;
        _mountPoint = mountPoint;
        _logger = logger;
    }

    /// <summary>Completes once INIT is answered; faults if the kernel's protocol is unusable.</summary>
    public Task Initialized => _initialized.Task;

    public void Start()
    {
        var reader = new Thread(ReadLoop) { IsBackground = true, Name = "sanpool-fuse-reader" };
        reader.Start();
    }

    /// <summary>
    /// Stops the reader, then waits up to <paramref name="drainTimeout"/> for requests in flight
    /// (a hung device may never answer; the channel's reference counting keeps their late
    /// replies harmless). The caller closes the channel afterwards.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _readerStopped.Task.ConfigureAwait(false);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(drainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDrainTimedOut(_logger, _mountPoint, Volatile.Read(ref _inFlight));
        }
    }

    private void ReadLoop()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (!_channel.WaitReadable(PollMilliseconds))
                {
                    continue;
                }

                byte[] buffer = RentBuffer();
                int n = _channel.Read(buffer);
                if (n > 0)
                {
                    Interlocked.Increment(ref _inFlight);
                    ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Server.ProcessAsync(s.Buffer, s.Length), (Server: this, Buffer: buffer, Length: n), preferLocal: false);
                    continue;
                }

                ReturnBuffer(buffer);
                if (!ShouldKeepReading(-n))
                {
                    break;
                }
            }
        }
        finally
        {
            _initialized.TrySetException(new InvalidOperationException("the FUSE connection ended before INIT"));
            _readerStopped.TrySetResult();
        }
    }

    /// <summary>EINTR, EAGAIN and ENOENT (a request interrupted before it was read) are retried; ENODEV means unmounted or aborted.</summary>
    private bool ShouldKeepReading(int errno)
    {
        if (errno is FuseNative.EINTR or FuseNative.EAGAIN or FuseNative.ENOENT)
        {
            return true;
        }

        if (errno != FuseNative.ENODEV && !_stopping.IsCancellationRequested)
        {
            LogReadFailed(_logger, _mountPoint, FuseNative.Describe(errno));
        }

        return false;
    }

    private async Task ProcessAsync(byte[] buffer, int length)
    {
        try
        {
            var header = FuseInHeader.Read(buffer.AsSpan(0, length));
            var request = new FuseRequest(this, header, buffer.AsMemory(FuseInHeader.Size, length - FuseInHeader.Size));
            try
            {
                if (header.Opcode == FuseOpcode.Init)
                {
                    Init(request);
                }
                else
                {
                    await _handler.HandleAsync(request, _stopping.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (!request.Answered)
            {
                // Last resort: the kernel (and the process in it) waits until this unique is answered.
                LogRequestFailed(_logger, _mountPoint, header.Opcode.ToString(), e.Message);
                request.ReplyError(FuseNative.EIO);
            }
        }
        catch (InvalidDataException e)
        {
            LogRequestFailed(_logger, _mountPoint, "(malformed)", e.Message);
        }
        finally
        {
            ReturnBuffer(buffer);
            if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }
        }
    }

    private void Init(FuseRequest request)
    {
        var offer = FuseInitIn.Read(request.Body.Span);
        if (offer.Major != ProtocolMajor || offer.Minor < LowestMinor)
        {
            request.ReplyError(FuseNative.EPROTO);
            _initialized.TrySetException(new NotSupportedException(
                $"the kernel speaks FUSE {offer.Major}.{offer.Minor}; Sanpool needs {ProtocolMajor}.{LowestMinor} or later"));
            return;
        }

        var answer = new FuseInitOut(
            ProtocolMajor, Math.Min(offer.Minor, HighestMinor), offer.MaxReadahead, offer.Flags & Offered,
            MaxBackground: 16, CongestionThreshold: 12, MaxWrite, TimeGranularity: 1, MaxPages: MaxWrite / PageSize);
        Span<byte> body = stackalloc byte[FuseInitOut.Size];
        answer.Write(body);
        request.Reply(body);
        LogInitialized(_logger, _mountPoint, offer.Major, offer.Minor, answer.Minor, (uint)answer.Flags);
        _initialized.TrySetResult();
    }

    /// <summary>Writes one reply. ENOENT means the kernel gave up on the request (interrupted): not an error.</summary>
    internal void Send(FuseInHeader request, int error, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[FuseOutHeader.Size];
        new FuseOutHeader((uint)(FuseOutHeader.Size + body.Length), error, request.Unique).Write(head);
        int errno = _channel.Write(head, body);
        if (errno is not (0 or FuseNative.ENOENT or FuseNative.ENODEV))
        {
            LogReplyFailed(_logger, _mountPoint, request.Opcode.ToString(), FuseNative.Describe(errno));
        }
    }

    /// <summary>Pinned, since read(2) fills it on every request; pooled, since most are 1 MiB.</summary>
    private byte[] RentBuffer() =>
        _buffers.TryDequeue(out byte[]? buffer) ? buffer : GC.AllocateUninitializedArray<byte>(RequestBufferSize, pinned: true);

    /// <summary>Keeps at most <see cref="PooledBuffers"/>; a burst's extra buffers go to the GC.</summary>
    private void ReturnBuffer(byte[] buffer)
    {
        if (_buffers.Count < PooledBuffers)
        {
            _buffers.Enqueue(buffer);
        }
    }

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information,
        Message = "FUSE {MountPoint}: kernel offered {Major}.{KernelMinor}, speaking 7.{Minor} with flags 0x{Flags:x}")]
    private static partial void LogInitialized(ILogger logger, string mountPoint, uint major, uint kernelMinor, uint minor, uint flags);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Error, Message = "FUSE {MountPoint}: reading /dev/fuse failed: {Error}; the server stops")]
    private static partial void LogReadFailed(ILogger logger, string mountPoint, string error);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Error, Message = "FUSE {MountPoint}: {Opcode} failed: {Error}")]
    private static partial void LogRequestFailed(ILogger logger, string mountPoint, string opcode, string error);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "FUSE {MountPoint}: reply to {Opcode} not delivered: {Error}")]
    private static partial void LogReplyFailed(ILogger logger, string mountPoint, string opcode, string error);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "FUSE {MountPoint}: {Count} requests still running at stop")]
    private static partial void LogDrainTimedOut(ILogger logger, string mountPoint, int count);
}
