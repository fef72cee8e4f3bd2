using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Sanpool.DataPath;

/// <summary>
/// Answers FUSE requests for the one directory of volumes (<see cref="VolumeDirectory"/>):
/// one method per operation. Node 1 is the directory; every other node is a
/// <see cref="VolumeFile"/>. Backend failures become EIO, logged with the volume and range.
/// </summary>
internal sealed partial class VolumeRequestHandler
{
    /// <summary>rwxr-xr-x for the directory.</summary>
    private const uint DirectoryMode = 0x1ED;
    private const uint StatFsBlockSize = 4096;
    private const uint MaxNameLength = 255;
    private const int MaxReadDirReply = 1 << 16;

    private readonly VolumeDirectory _directory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, (VolumeFile File, bool Writable)> _openFiles = new();
    private readonly ConcurrentDictionary<ulong, List<FuseDirent>> _openListings = new();
    private long _nextHandle;

    public VolumeRequestHandler(VolumeDirectory directory, ILogger logger)
    {
        _directory = directory;
        _logger = logger;
    }

    public Task HandleAsync(FuseRequest request, CancellationToken cancellationToken)
    {
        switch (request.Header.Opcode)
        {
            case FuseOpcode.Read:
                return ReadAsync(request, cancellationToken);
            case FuseOpcode.Write:
                return WriteAsync(request, cancellationToken);
            default:
                HandleMetadata(request);
                return Task.CompletedTask;
        }
    }

    private void HandleMetadata(FuseRequest request)
    {
        var body = request.Body.Span;
        switch (request.Header.Opcode)
        {
            case FuseOpcode.Lookup: Lookup(request); break;
            case FuseOpcode.Forget: Forget([FuseForget.ReadSingle(request.Header.NodeId, body)], request); break;
            case FuseOpcode.BatchForget: Forget(FuseForget.ReadBatch(body), request); break;
            case FuseOpcode.GetAttr: GetAttr(request); break;
            case FuseOpcode.SetAttr: SetAttr(request); break;
            case FuseOpcode.Open: Open(request); break;
            case FuseOpcode.Release: _openFiles.TryRemove(FuseReleaseIn.Read(body).Handle, out _); request.Reply([]); break;

            // A WRITE is answered only once the device has it (O_DIRECT | O_SYNC): nothing is left to flush.
            case FuseOpcode.Flush or FuseOpcode.Fsync or FuseOpcode.FsyncDir: request.Reply([]); break;
            case FuseOpcode.OpenDir: OpenDir(request); break;
            case FuseOpcode.ReadDir: ReadDir(request); break;
            case FuseOpcode.ReleaseDir: _openListings.TryRemove(FuseReleaseIn.Read(body).Handle, out _); request.Reply([]); break;
            case FuseOpcode.StatFs: StatFs(request); break;

            // Mounted with default_permissions, so the kernel checks modes itself and rarely asks.
            case FuseOpcode.Access: request.Reply([]); break;
            case FuseOpcode.Interrupt: request.NoReply(); break;
            case FuseOpcode.Destroy: request.Reply([]); break;

            // No extended attributes: ENOSYS makes the kernel stop asking (GETXATTR comes on every write otherwise).
            default: request.ReplyError(FuseNative.ENOSYS); break;
        }
    }

    private void Lookup(FuseRequest request)
    {
        var body = request.Body.Span;
        int end = body.IndexOf((byte)0);
        string name = Encoding.UTF8.GetString(end < 0 ? body : body[..end]);
        var file = request.Header.NodeId == VolumeDirectory.RootId ? _directory.Lookup(name) : null;
        if (file is null)
        {
            request.ReplyError(FuseNative.ENOENT);
            return;
        }

        Span<byte> reply = stackalloc byte[FuseEntryOut.Size];
        new FuseEntryOut(file.NodeId, file.Attributes()).Write(reply);
        request.Reply(reply);
    }

    private void Forget(List<FuseForget> forgets, FuseRequest request)
    {
        foreach (var forget in forgets)
        {
            _directory.Forget(forget.NodeId, forget.Lookups);
        }

        request.NoReply();
    }

    private void GetAttr(FuseRequest request)
    {
        if (AttributesOf(request.Header.NodeId) is not { } attr)
        {
            request.ReplyError(FuseNative.ENOENT);
            return;
        }

        ReplyAttributes(request, attr);
    }

    /// <summary>
    /// A volume cannot change size, yet qemu-img create truncates an existing file to 0 and
    /// then to the virtual size. Every truncate is answered with success and the unchanged
    /// size, which the kernel then caches as the file's size (0 s). Mode, owner and times are
    /// accepted and ignored.
    /// </summary>
    private void SetAttr(FuseRequest request)
    {
        var change = FuseSetAttrIn.Read(request.Body.Span);
        var file = _directory.Find(request.Header.NodeId);
        if (file is { ReadOnly: true } && change.SetsSize)
        {
            request.ReplyError(FuseNative.EROFS);
            return;
        }

        if (AttributesOf(request.Header.NodeId) is not { } attr)
        {
            request.ReplyError(FuseNative.ENOENT);
            return;
        }

        if (change.SetsSize && change.Size != attr.FileSize)
        {
            LogTruncateIgnored(_logger, file?.Name ?? "/", change.Size, attr.FileSize);
        }

        ReplyAttributes(request, attr);
    }

    private void Open(FuseRequest request)
    {
        var open = FuseOpenIn.Read(request.Body.Span);
        var file = _directory.Find(request.Header.NodeId);
        if (file is null)
        {
            request.ReplyError(request.Header.NodeId == VolumeDirectory.RootId ? FuseNative.EISDIR : FuseNative.ENOENT);
            return;
        }

        if (open.WantsWrite && file.ReadOnly)
        {
            request.ReplyError(FuseNative.EROFS);
            return;
        }

        ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _openFiles[handle] = (file, open.WantsWrite);
        Span<byte> reply = stackalloc byte[FuseOpenOut.Size];
        new FuseOpenOut(handle, FuseOpenOut.DirectIo).Write(reply);
        request.Reply(reply);
    }

    private async Task ReadAsync(FuseRequest request, CancellationToken cancellationToken)
    {
        var io = FuseIoIn.Read(request.Body.Span);
        if (!_openFiles.TryGetValue(io.Handle, out var open))
        {
            request.ReplyError(FuseNative.EBADF);
            return;
        }

        int length = (int)Math.Min(io.Length, FuseServer.MaxWrite);
        byte[] data = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int n = await open.File.ReadAsync(OffsetOf(io), data.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            request.Reply(data.AsSpan(0, n));
        }
        catch (Exception e) when (!request.Answered)
        {
            LogIoFailed(_logger, "read", open.File.Name, io.Offset, io.Length, e.Message);
            request.ReplyError(FuseNative.EIO);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    private async Task WriteAsync(FuseRequest request, CancellationToken cancellationToken)
    {
        var io = FuseIoIn.Read(request.Body.Span);
        if (request.Body.Length < FuseIoIn.Size + io.Length)
        {
            request.ReplyError(FuseNative.EINVAL);
            return;
        }

        if (!_openFiles.TryGetValue(io.Handle, out var open) || !open.Writable)
        {
            request.ReplyError(FuseNative.EBADF);
            return;
        }

        try
        {
            var data = request.Body.Slice(FuseIoIn.Size, (int)io.Length);
            int n = await open.File.WriteAsync(OffsetOf(io), data, cancellationToken).ConfigureAwait(false);
            if (n == 0 && io.Length > 0)
            {
                // At or past the end: a volume never grows.
                request.ReplyError(FuseNative.ENOSPC);
                return;
            }

            Span<byte> reply = stackalloc byte[FuseWriteOut.Size];
            new FuseWriteOut((uint)n).Write(reply);
            request.Reply(reply);
        }
        catch (Exception e) when (!request.Answered)
        {
            LogIoFailed(_logger, "write", open.File.Name, io.Offset, io.Length, e.Message);
            request.ReplyError(FuseNative.EIO);
        }
    }

    private void OpenDir(FuseRequest request)
    {
        if (request.Header.NodeId != VolumeDirectory.RootId)
        {
            request.ReplyError(FuseNative.ENOTDIR);
            return;
        }

        // A snapshot per open directory, so that cookies (indexes) stay stable while volumes come and go.
        var listing = new List<FuseDirent>
        {
            new(VolumeDirectory.RootId, 1, ".", IsDirectory: true),
            new(VolumeDirectory.RootId, 2, "..", IsDirectory: true),
        };
        foreach (var file in _directory.List())
        {
            listing.Add(new FuseDirent(file.NodeId, (ulong)listing.Count + 1, file.Name, IsDirectory: false));
        }

        ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
        _openListings[handle] = listing;
        Span<byte> reply = stackalloc byte[FuseOpenOut.Size];
        new FuseOpenOut(handle, 0).Write(reply);
        request.Reply(reply);
    }

    private void ReadDir(FuseRequest request)
    {
        var io = FuseIoIn.Read(request.Body.Span);
        if (!_openListings.TryGetValue(io.Handle, out var listing))
        {
            request.ReplyError(FuseNative.EBADF);
            return;
        }

        int size = (int)Math.Min(io.Length, MaxReadDirReply);
        byte[] reply = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            int used = 0;
            for (ulong i = io.Offset; i < (ulong)listing.Count; i++)
            {
                int n = listing[(int)i].TryWrite(reply.AsSpan(used, size - used));
                if (n == 0)
                {
                    break;
                }

                used += n;
            }

            request.Reply(reply.AsSpan(0, used));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(reply);
        }
    }

    private void StatFs(FuseRequest request)
    {
        var files = _directory.List();
        ulong bytes = 0;
        foreach (var file in files)
        {
            bytes += (ulong)file.Device.Size;
        }

        Span<byte> reply = stackalloc byte[FuseStatFsOut.Size];
        new FuseStatFsOut(bytes / StatFsBlockSize, (ulong)files.Count, StatFsBlockSize, MaxNameLength).Write(reply);
        request.Reply(reply);
    }

    private FuseAttr? AttributesOf(ulong nodeId)
    {
        if (nodeId == VolumeDirectory.RootId)
        {
            var created = _directory.CreatedAt;
            return new FuseAttr(VolumeDirectory.RootId, 0, 0, created.ToUnixTimeSeconds(), 0,
                FuseAttr.DirectoryType | DirectoryMode, LinkCount: 2, Uid: 0, Gid: 0, BlockSize: StatFsBlockSize);
        }

        return _directory.Find(nodeId)?.Attributes();
    }

    private static void ReplyAttributes(FuseRequest request, FuseAttr attr)
    {
        Span<byte> reply = stackalloc byte[FuseAttrOut.Size];
        new FuseAttrOut(attr).Write(reply);
        request.Reply(reply);
    }

    /// <summary>An offset past long.MaxValue is past every volume's end.</summary>
    private static long OffsetOf(FuseIoIn io) => io.Offset > long.MaxValue ? long.MaxValue : (long)io.Offset;

    [LoggerMessage(EventId = 6110, Level = LogLevel.Error,
        Message = "FUSE {Operation} of {Length} bytes at {Offset} of volume {Volume} failed, answered EIO: {Error}")]
    private static partial void LogIoFailed(ILogger logger, string operation, string volume, ulong offset, uint length, string error);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Debug,
        Message = "FUSE truncate of volume {Volume} to {Requested} bytes answered with its fixed size {Size}")]
    private static partial void LogTruncateIgnored(ILogger logger, string volume, ulong requested, ulong size);
}
