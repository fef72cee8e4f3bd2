using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Mailbox;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// The thin monitor's way to the SPM: the storage mailbox of the master domain this host is
/// connected through. The mailbox's client belongs to one connection (a master move opens the
/// new master's inbox and outbox); a request made while the host is not connected waits for
/// the next connection, and one cut off by a reconnect fails, for the monitor to send again
/// (the absolute size makes the repeat harmless).
/// </summary>
public sealed partial class MailboxRequester : IExtendRequester, IAsyncDisposable
{
    private const long MiB = 1024 * 1024;

    private readonly int _hostId;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private TaskCompletionSource<Connection> _current = NewWaiter();

    public MailboxRequester(int hostId, ILogger logger)
    {
        _hostId = hostId;
        _logger = logger;
    }

    /// <summary>Raised after a request is written (the agent hints the SPM to read its mail now).</summary>
    public Action? Requested { get; set; }

    /// <summary>The client of the connection now, if any (for wake hints).</summary>
    public MailboxClient? Client
    {
        get
        {
            lock (_lock)
            {
                return _current.Task.IsCompletedSuccessfully ? _current.Task.Result.Client : null;
            }
        }
    }

    /// <summary>Whether the SPM reads <paramref name="hostId"/>'s mailbox (host ids up to VDSM's 250; the lockspace allows 2000).</summary>
    public static bool Served(int hostId) => hostId is >= 1 and <= MailboxLayout.VdsmMaxHostId;

    /// <summary>Opens the mailbox of <paramref name="host"/>'s master for this connection; closed when <paramref name="session"/> ends.</summary>
    public async Task ConnectAsync(PoolHost host, CancellationToken session)
    {
        ArgumentNullException.ThrowIfNull(host);
        var inbox = await host.Master.OpenMailboxAsync(MailboxArea.Inbox, session).ConfigureAwait(false);
        IBlockDevice outbox;
        try
        {
            outbox = await host.Master.OpenMailboxAsync(MailboxArea.Outbox, session).ConfigureAwait(false);
        }
        catch
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Bind(host, inbox, outbox, session);
    }

    /// <summary>
    /// Uses a mailbox the caller opened, without a pool (the benchmark: a master domain's inbox
    /// and outbox on loop devices); the requester owns the two devices from here and closes them
    /// when <paramref name="session"/> ends. Without a pool host a failed reply is reported as a
    /// refusal (no free-space check tells "no space" apart).
    /// </summary>
    public void Connect(IBlockDevice inbox, IBlockDevice outbox, CancellationToken session)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        ArgumentNullException.ThrowIfNull(outbox);
        Bind(null, inbox, outbox, session);
    }

    private void Bind(PoolHost? host, IBlockDevice inbox, IBlockDevice outbox, CancellationToken session)
    {
        var client = new MailboxClient(_hostId, inbox, outbox, new MailboxOptions(), TimeProvider.System, _logger)
        {
            Requested = () => Requested?.Invoke(),
        };
        var connection = new Connection(host, client, inbox, outbox, session);
        lock (_lock)
        {
            _current.TrySetResult(connection);
        }

        session.Register(() => _ = CloseAsync(connection));
    }

    public async Task<long> ExtendAsync(IThinVolume volume, long newSizeBytes, Action<ExtendFailure> onFailure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(onFailure);
        if (!Served(_hostId))
        {
            // Written, the request would wait forever: the SPM never reads this host's mailbox.
            throw new SanpoolException(MailboxErrors.HostIdOutOfRange,
                $"host {_hostId} cannot ask to extend volume {volume.Volume}: the SPM reads the storage mailboxes of host ids 1..{MailboxLayout.VdsmMaxHostId} only (as VDSM's); give this host a host_id in that range");
        }

        Task<Connection> waiting;
        lock (_lock)
        {
            waiting = _current.Task;
        }

        var connection = await waiting.WaitAsync(cancellationToken).ConfigureAwait(false);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Session);
        var request = new ExtendRequest(volume.Domain, volume.Volume, (newSizeBytes + MiB - 1) / MiB);
        // Classifying reads the domain's free space: off the mailbox's poll loop, which reported it.
        var failures = new Reporter(reply => _ = Task.Run(async () => onFailure(await ClassifyAsync(connection.Host, volume, reply).ConfigureAwait(false)), CancellationToken.None));
        try
        {
            var reply = await connection.Client.ExtendAsync(request, failures, both.Token).ConfigureAwait(false);
            return reply.SizeMiB * MiB;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            throw new SanpoolException(MailboxErrors.Disconnected,
                $"host {_hostId}: the extension of volume {volume.Volume} to {request.NewSizeMiB} MiB was cut off: the host reconnected to the pool; it is asked again", isTransient: true, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Connection? connection;
        lock (_lock)
        {
            connection = _current.Task.IsCompletedSuccessfully ? _current.Task.Result : null;
        }

        if (connection is not null)
        {
            await CloseAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A failed reply says only "0": this host tells "no space" from other refusals by the
    /// domain's free space, which it reads itself (a vgs on a failure, not on the happy path).
    /// </summary>
    private async Task<ExtendFailure> ClassifyAsync(PoolHost? host, IThinVolume volume, ExtendReply reply)
    {
        try
        {
            if (host is null)
            {
                return Refused(volume, reply);
            }

            var store = await host.StoreAsync(volume.Domain, CancellationToken.None).ConfigureAwait(false);
            var space = await store.ReadSpaceAsync(CancellationToken.None).ConfigureAwait(false);
            long wanted = (reply.Request.NewSizeMiB * MiB) - volume.CurrentSize;
            if (space.Free < wanted)
            {
                return new ExtendFailure(ExtendFailureKind.NoSpace,
                    $"the SPM could not extend volume {volume.Volume} to {reply.Request.NewSizeMiB} MiB: domain {volume.Domain} has {space.Free / MiB} MiB free, {wanted / MiB} MiB are needed; add a LUN (sanpool domain extend)");
            }
        }
        catch (SanpoolException e)
        {
            LogClassifyFailed(_logger, _hostId, volume.Domain, e.OneLine);
        }

        return Refused(volume, reply);
    }

    private static ExtendFailure Refused(IThinVolume volume, ExtendReply reply) =>
        new(ExtendFailureKind.Rejected, $"the SPM refused to extend volume {volume.Volume} to {reply.Request.NewSizeMiB} MiB (see the SPM's log)");

    private async Task CloseAsync(Connection connection)
    {
        lock (_lock)
        {
            if (_current.Task.IsCompletedSuccessfully && _current.Task.Result == connection)
            {
                _current = NewWaiter();
            }
        }

        if (Interlocked.Exchange(ref connection.Closed, 1) == 0)
        {
            await connection.Client.DisposeAsync().ConfigureAwait(false);
            await connection.Inbox.DisposeAsync().ConfigureAwait(false);
            await connection.Outbox.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource<Connection> NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 856, Level = LogLevel.Warning, Message = "host {HostId}: cannot read the free space of domain {Domain} to explain a failed extension: {Error}")]
    private static partial void LogClassifyFailed(ILogger logger, int hostId, Guid domain, string error);

    private sealed class Connection(PoolHost? host, MailboxClient client, IBlockDevice inbox, IBlockDevice outbox, CancellationToken session)
    {
        public int Closed;

        /// <summary>The pool connection the mailbox belongs to; null for a mailbox opened by the caller (<see cref="Connect"/>).</summary>
        public PoolHost? Host { get; } = host;

        public MailboxClient Client { get; } = client;

        public IBlockDevice Inbox { get; } = inbox;

        public IBlockDevice Outbox { get; } = outbox;

        public CancellationToken Session { get; } = session;
    }

    /// <summary>Reports on the replying thread itself (Progress&lt;T&gt; would post to a context).</summary>
    private sealed class Reporter(Action<ExtendReply> report) : IProgress<ExtendReply>
    {
        public void Report(ExtendReply value) => report(value);
    }
}
