using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Protocol;

namespace Sanpool.LeaseDaemon.Client;

/// <summary>
/// A connection to a lease daemon. After <see cref="RegisterAsync"/> the connection is this
/// process as a client: resources it acquires are released when the connection closes, which
/// is when the process exits (or the connection is disposed). Failures come back as
/// <see cref="SanpoolException"/> with the daemon's code. Calls are serialised: one request at a time.
/// </summary>
public sealed class LeaseDaemonClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly LineReader _reader;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private LeaseDaemonClient(string runDirectory, Socket socket)
    {
        RunDirectory = runDirectory;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new LineReader(_stream);
    }

    public string RunDirectory { get; }

    /// <summary>The socket's file descriptor (kept open across exec by <see cref="LeaseCommand"/>).</summary>
    internal nint SocketHandle => _socket.Handle;

    /// <summary>Connects to the daemon of <paramref name="runDirectory"/>; DAEMON_NOT_RUNNING if none listens there.</summary>
    public static async Task<LeaseDaemonClient> ConnectAsync(string runDirectory, CancellationToken cancellationToken)
    {
        string path = LeaseDaemonPaths.Socket(runDirectory);
        if (!File.Exists(path))
        {
            throw new SanpoolException(LeaseDaemonErrors.NotRunning, $"no lease daemon socket at {path}; is 'sanpool leased' running?", isTransient: true);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SanpoolException(LeaseDaemonErrors.NotRunning, $"no lease daemon at {path} ({e.Message}); is 'sanpool leased' running?", isTransient: true);
        }

        return new LeaseDaemonClient(runDirectory, socket);
    }

    /// <summary>Makes this connection the calling process's registration; with a heartbeat interval, call <see cref="HeartbeatAsync"/> at least that often.</summary>
    public Task<RegisterReply> RegisterAsync(TimeSpan? heartbeat, CancellationToken cancellationToken) =>
        CallAsync(new RegisterRequest { HeartbeatMs = heartbeat is { } h ? (int)h.TotalMilliseconds : null }, ProtocolJsonContext.Default.RegisterReply, cancellationToken);

    public Task HeartbeatAsync(CancellationToken cancellationToken) =>
        CallAsync(new HeartbeatRequest(), ProtocolJsonContext.Default.OkReply, cancellationToken);

    /// <summary>Acquires resources (LS:RES:PATH:OFFSET each), all or none.</summary>
    public async Task<IReadOnlyList<ResourceInfo>> AcquireAsync(IReadOnlyList<string> resources, AcquireOptions? options, CancellationToken cancellationToken)
    {
        options ??= AcquireOptions.Default;
        var request = new AcquireRequest { Resources = resources, Shared = options.Shared, NoWait = options.NoWait, Pid = options.Pid };
        var reply = await CallAsync(request, ProtocolJsonContext.Default.AcquireReply, cancellationToken).ConfigureAwait(false);
        return reply.Resources;
    }

    /// <summary>Releases resources (LS:RES or full specs); an empty list releases all of them.</summary>
    public Task ReleaseAsync(IReadOnlyList<string> resources, int? pid, CancellationToken cancellationToken) =>
        CallAsync(new ReleaseRequest { Resources = resources, All = resources.Count == 0, Pid = pid }, ProtocolJsonContext.Default.OkReply, cancellationToken);

    public Task<InquireReply> InquireAsync(int? pid, CancellationToken cancellationToken) =>
        CallAsync(new InquireRequest { Pid = pid }, ProtocolJsonContext.Default.InquireReply, cancellationToken);

    public Task<StatusReply> StatusAsync(CancellationToken cancellationToken) =>
        CallAsync(new StatusRequest(), ProtocolJsonContext.Default.StatusReply, cancellationToken);

    public Task<HostStatusReply> HostStatusAsync(string lockspace, CancellationToken cancellationToken) =>
        CallAsync(new HostStatusRequest { Lockspace = lockspace }, ProtocolJsonContext.Default.HostStatusReply, cancellationToken);

    /// <summary>Joins a lockspace (LS:HOST_ID:PATH:OFFSET); returns once the host id is held (about 2 x io_timeout when it is free).</summary>
    public Task AddLockspaceAsync(string lockspace, int ioTimeoutSeconds, CancellationToken cancellationToken) =>
        CallAsync(new AddLockspaceRequest { Lockspace = lockspace, IoTimeout = ioTimeoutSeconds }, ProtocolJsonContext.Default.OkReply, cancellationToken);

    public Task RemLockspaceAsync(string lockspace, bool force, CancellationToken cancellationToken) =>
        CallAsync(new RemLockspaceRequest { Lockspace = lockspace, Force = force }, ProtocolJsonContext.Default.OkReply, cancellationToken);

    private async Task<TReply> CallAsync<TReply>(object request, JsonTypeInfo<TReply> replyType, CancellationToken cancellationToken)
        where TReply : DaemonReply
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string? line;
            try
            {
                await _stream.WriteAsync(WireFormat.Encode(request), cancellationToken).ConfigureAwait(false);
                line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new SanpoolException(LeaseDaemonErrors.Protocol, $"lost the lease daemon connection: {e.Message}", isTransient: true, e);
            }

            return Decode(line ?? throw new SanpoolException(LeaseDaemonErrors.Protocol, "the lease daemon closed the connection", isTransient: true), replyType);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static TReply Decode<TReply>(string line, JsonTypeInfo<TReply> replyType)
    {
        using var doc = WireFormat.ParseObject(line, LeaseDaemonErrors.Protocol);
        var root = doc.RootElement;
        if (root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False)
        {
            throw WireFormat.Decode(root, ProtocolJsonContext.Default.ErrorReply, LeaseDaemonErrors.Protocol).ToException();
        }

        return WireFormat.Decode(root, replyType, LeaseDaemonErrors.Protocol);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
