using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Core.Logging;

namespace Sanpool.Nbd;

/// <summary>
/// Sanpool's NBD server: serves <see cref="INbdExport"/>s by name on one unix socket to any
/// number of clients (qemu-io, qemu-img, qemu-system-x86_64), fixed newstyle handshake and
/// simple replies (<see cref="NbdHandshake"/>, <see cref="NbdConnection"/>). Each client is
/// served on its own; a client that misbehaves (bad magic, gone mid-write, stuck mid-handshake)
/// loses its own connection and nothing else.
/// </summary>
public sealed class NbdServer : IAsyncDisposable
{
    /// <summary>How long disposal lets open connections finish their requests before aborting them.</summary>
    private static readonly TimeSpan DisposeGrace = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, ExportEntry> _exports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Task> _clients = new();
    private readonly ConcurrentDictionary<long, NbdConnection> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _acceptLoop;
    private long _nextId;
    private int _disposed;

    private NbdServer(string socketPath, Socket listener, ILogger logger, NbdServerOptions options, TimeProvider time)
    {
        SocketPath = socketPath;
        _listener = listener;
        Logger = logger;
        Options = options;
        Throttle = new LogThrottle(time, options.LogRepeatPeriod);
        Pool = new NbdBufferPool(options.MaxPayload, options.PoolRetainedBytes);
        _acceptLoop = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    /// <summary>Clients past their handshake, on any export.</summary>
    public int ConnectionCount => _connections.Count;

    internal NbdServerOptions Options { get; }

    internal ILogger Logger { get; }

    internal LogThrottle Throttle { get; }

    internal NbdBufferPool Pool { get; }

    internal CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>
    /// Listens on <paramref name="socketPath"/>. A stale socket file left by a dead server is
    /// replaced; a live one (something answers on it) or any other file is refused.
    /// </summary>
    /// <exception cref="SanpoolException">NBD_LISTEN_FAILED.</exception>
    public static NbdServer Start(string socketPath, ILogger logger, NbdServerOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        options ??= new NbdServerOptions();
        options.Validate();
        RemoveStaleSocket(socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(128);
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            // ArgumentException: a path longer than sun_path's 107 bytes.
            listener.Dispose();
            throw new SanpoolException(NbdErrors.ListenFailed, $"cannot listen on {socketPath}: {e.Message}", innerException: e);
        }

        NbdLog.Listening(logger, socketPath);
        return new NbdServer(socketPath, listener, logger, options, time ?? TimeProvider.System);
    }

    /// <summary>Serves <paramref name="export"/> from now on under its name.</summary>
    /// <exception cref="SanpoolException">NBD_EXPORT_EXISTS, or NBD_BAD_EXPORT for a shape that cannot be served.</exception>
    public void AddExport(INbdExport export)
    {
        ArgumentNullException.ThrowIfNull(export);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int block = export.MinimumBlockSize;
        if (Encoding.UTF8.GetByteCount(export.Name) > NbdProtocol.MaxStringLength || export.Name.Contains('\0', StringComparison.Ordinal)
            || block < 1 || block > 65536 || (block & (block - 1)) != 0 || block > Options.MaxPayload
            || export.Size < 0 || export.Size % block != 0)
        {
            throw new SanpoolException(NbdErrors.BadExport,
                $"export '{export.Name}' cannot be served: size {export.Size} must be a multiple of the minimum block size {block}, " +
                $"a power of two up to 64 KiB, and the name at most {NbdProtocol.MaxStringLength} bytes without NUL");
        }

        if (!_exports.TryAdd(export.Name, new ExportEntry(export)))
        {
            throw new SanpoolException(NbdErrors.ExportExists, $"export '{export.Name}' is already served on {SocketPath}");
        }

        NbdLog.ExportAdded(Logger, export.Name, SocketPath, export.Size, export.ReadOnly ? "read-only" : "read-write", block);
    }

    /// <summary>
    /// Stops serving <paramref name="name"/>: new clients no longer find it, and its connections
    /// finish the requests they have taken, answer them and are closed. If
    /// <paramref name="cancellationToken"/> fires first, those requests are aborted and the
    /// connections closed at once. Returns false if no such export was served.
    /// </summary>
    public async Task<bool> RemoveExportAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_exports.TryRemove(name, out var entry))
        {
            return false;
        }

        NbdConnection[] connections;
        lock (entry)
        {
            entry.Removed = true;
            connections = [.. entry.Connections];
        }

        await Task.WhenAll(connections.Select(c => c.StopAsync(cancellationToken))).ConfigureAwait(false);
        NbdLog.ExportRemoved(Logger, name, SocketPath, connections.Length);
        return true;
    }

    /// <summary>The names served now, in no particular order.</summary>
    public IReadOnlyCollection<string> ExportNames() => [.. _exports.Keys];

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        using (var grace = new CancellationTokenSource(DisposeGrace))
        {
            await Task.WhenAll(_connections.Values.Select(c => c.StopAsync(grace.Token))).ConfigureAwait(false);
        }

        await Task.WhenAll(_clients.Values).ConfigureAwait(false);
        _exports.Clear();
        TryDelete(SocketPath);
        Pool.Dispose();
        _shutdown.Dispose();
    }

    internal INbdExport? FindExport(string name) => _exports.TryGetValue(name, out var entry) ? entry.Export : null;

    internal ushort TransmissionFlags(INbdExport export)
    {
        ushort flags = NbdProtocol.TxHasFlags | NbdProtocol.TxSendFlush | NbdProtocol.TxSendFua | NbdProtocol.TxSendTrim | NbdProtocol.TxSendWriteZeroes;
        if (export.ReadOnly)
        {
            flags |= NbdProtocol.TxReadOnly;
        }

        if (Options.MultiConn)
        {
            flags |= NbdProtocol.TxCanMultiConn;
        }

        return flags;
    }

    /// <summary>NBD_INFO_BLOCK_SIZE: the export's minimum, 4 KiB preferred (or the minimum if larger), the payload limit as maximum.</summary>
    internal (uint Minimum, uint Preferred, uint Maximum) BlockSizes(INbdExport export) =>
        ((uint)export.MinimumBlockSize, (uint)Math.Max(4096, export.MinimumBlockSize), (uint)Options.MaxPayload);

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (!_shutdown.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                // EMFILE and the like: say so, and do not spin.
                NbdLog.AcceptFailed(Logger, SocketPath, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            long id = Interlocked.Increment(ref _nextId);
            var serving = ServeAsync(id, client);
            _clients[id] = serving;

            // Removed by a continuation, not by ServeAsync itself: a client that comes and goes at
            // once could otherwise be removed before it was added, and stay listed for ever.
            _ = serving.ContinueWith(_ => _clients.TryRemove(id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(long id, Socket socket)
    {
        await Task.Yield();
        NbdConnection? connection = null;
        ExportEntry? entry = null;
        try
        {
            socket.SendBufferSize = Options.SocketBufferSize;
            socket.ReceiveBufferSize = Options.SocketBufferSize;
            var export = await HandshakeAsync(id, socket).ConfigureAwait(false);
            // The entry must still be this export's: it may have been removed, even replaced by a
            // new export of the same name, while the handshake finished.
            if (export is null || !_exports.TryGetValue(export.Name, out entry) || !ReferenceEquals(entry.Export, export))
            {
                return;
            }

            connection = new NbdConnection(id, socket, this, export);
            lock (entry)
            {
                if (entry.Removed)
                {
                    // Removed between the handshake and here: the connection never serves.
                    return;
                }

                entry.Connections.Add(connection);
                _connections[id] = connection;
            }

            NbdLog.ClientOpened(Logger, id, export.Name);
            string reason = await connection.RunAsync().ConfigureAwait(false);
            NbdLog.ClientClosed(Logger, id, reason);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client vanished before it was served, or the server is stopping; nothing to undo.
            NbdLog.ClientClosed(Logger, id, e.Message);
        }
        catch (Exception e)
        {
            // A server bug must cost this one client, never the process (an unobserved task).
            NbdLog.ClientFailed(Logger, e, id);
        }
        finally
        {
            if (connection is not null && entry is not null)
            {
                lock (entry)
                {
                    entry.Connections.Remove(connection);
                }
            }

            _connections.TryRemove(id, out _);
            socket.Dispose();
        }
    }

    private async Task<INbdExport?> HandshakeAsync(long id, Socket socket)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        deadline.CancelAfter(Options.HandshakeTimeout);
        try
        {
            return await new NbdHandshake(socket, this).RunAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NbdProtocolException or EndOfStreamException or SocketException or OperationCanceledException)
        {
            string reason = e is OperationCanceledException
                ? (_shutdown.IsCancellationRequested ? "server stopping" : $"no export chosen within {Options.HandshakeTimeout.TotalSeconds:0.#} s")
                : e.Message;
            if (!_shutdown.IsCancellationRequested && Throttle.ShouldLog("handshake", out int suppressed))
            {
                NbdLog.HandshakeFailed(Logger, id, reason, suppressed);
            }

            return null;
        }
    }

    private static void RemoveStaleSocket(string socketPath)
    {
        if (!File.Exists(socketPath))
        {
            return;
        }

        if (!IsUnixSocket(socketPath))
        {
            throw new SanpoolException(NbdErrors.ListenFailed, $"cannot listen on {socketPath}: a file that is not a socket is in the way");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException)
        {
            // Nobody listens: a dead server's leftover.
            File.Delete(socketPath);
            return;
        }

        throw new SanpoolException(NbdErrors.ListenFailed, $"cannot listen on {socketPath}: another server is listening there");
    }

    private static bool IsUnixSocket(string path)
    {
        // .NET reports no file type for sockets. open(2) of a socket fails (ENXIO) where a
        // regular file opens, which is what tells the two apart here.
        try
        {
            using var _ = File.OpenRead(path);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>One export and the connections serving it; lock the entry to change them.</summary>
    private sealed class ExportEntry(INbdExport export)
    {
        public INbdExport Export { get; } = export;

        public HashSet<NbdConnection> Connections { get; } = [];

        public bool Removed { get; set; }
    }
}
