using Sanpool.Api.Client;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sanpool.Core;

namespace Sanpool.Agent.Api;

/// <summary>
/// One agent's claim on its API socket path, held while the API runs: an exclusive lock on
/// <c>PATH.lock</c>, taken before a socket file left at PATH is judged stale and removed.
/// Without the lock two agents starting at once could both find the file stale:
/// <code>
/// agent A: PATH refuses connect -> stale      agent B: PATH refuses connect -> stale
/// agent A: unlink PATH, bind PATH, listen
///                                             agent B: unlink PATH (A's live socket!), bind PATH
/// </code>
/// and A would listen on a socket nobody can reach. With the lock, B fails AGENT_RUNNING.
/// A socket file is stale when connecting to it is refused (nobody listens); a file at PATH
/// that is not a socket is never removed.
/// </summary>
internal sealed partial class SocketPathClaim : IDisposable
{
    // struct statx is the same on every Linux architecture: stx_mode is a u16 at offset 28
    // (after stx_mask, stx_blksize u32; stx_attributes u64; stx_nlink, stx_uid, stx_gid u32),
    // in the host's byte order, little-endian on x86_64 and aarch64. The struct is 256 bytes.
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int FileTypeMask = 0xF000; // S_IFMT
    private const int SocketFileType = 0xC000; // S_IFSOCK
    private const int ENOENT = 2;

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private readonly FileStream _lock;

    private SocketPathClaim(FileStream lockFile) => _lock = lockFile;

    public static async Task<SocketPathClaim> TakeAsync(string path, ILogger logger, string host, CancellationToken cancellationToken)
    {
        var lockFile = OpenLock(path + ".lock", path);
        try
        {
            await RemoveStaleAsync(path, logger, host, cancellationToken).ConfigureAwait(false);
            return new SocketPathClaim(lockFile);
        }
        catch
        {
            await lockFile.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Dispose() => _lock.Dispose();

    private static FileStream OpenLock(string lockPath, string path)
    {
        try
        {
            // FileShare.None is an exclusive flock(2) on Linux, held until the stream closes.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new SanpoolException(AgentErrors.ListenFailed, $"cannot take {lockPath}: {e.Message}", innerException: e);
        }
        catch (IOException e)
        {
            throw new SanpoolException(AgentErrors.AlreadyRunning, $"another agent holds {lockPath}: it serves {path}", innerException: e);
        }
    }

    private static async Task RemoveStaleAsync(string path, ILogger logger, string host, CancellationToken cancellationToken)
    {
        switch (KindOf(path))
        {
            case FileKind.Missing:
                return;
            case FileKind.Other:
                throw new SanpoolException(AgentErrors.ListenFailed, $"{path} exists and is not a socket; it is left alone");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
            ApiLog.StaleSocketRemoved(logger, host, path);
            return;
        }
        catch (SocketException e)
        {
            throw new SanpoolException(AgentErrors.ListenFailed, $"cannot probe {path}: {e.Message}", innerException: e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Bound and listening, but its backlog is full: someone serves it.
        }

        throw new SanpoolException(AgentErrors.AlreadyRunning, $"an agent already listens on {path}");
    }

    private enum FileKind
    {
        Missing,
        Socket,
        Other,
    }

    private static FileKind KindOf(string path)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT
                ? FileKind.Missing
                : throw new SanpoolException(AgentErrors.ListenFailed, $"cannot stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        int mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(StatxModeOffset));
        return (mode & FileTypeMask) == SocketFileType ? FileKind.Socket : FileKind.Other;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, [Out] byte[] buffer);
}
