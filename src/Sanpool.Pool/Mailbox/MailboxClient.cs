using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Core.Logging;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// A host's side of the storage mailbox (VDSM's HSM_Mailbox): it asks the SPM to extend LVs
/// by writing <c>xtnd</c> messages into its own mailbox of the master domain's inbox (host id x
/// 4096) and reads the replies from the same slots of its outbox mailbox. Only this host writes
/// its inbox mailbox, so the mailbox lives here in memory and every write is the whole 4 KiB,
/// checksum recomputed, O_DIRECT.
///
/// A slot's life (the SPM finds new mail by bytes that changed, so a slot is reused only once
/// the SPM has seen it cleaned):
/// <code>
///  free --request--> busy --reply size > 0--> cleaning (CLEAN written) --outbox CLEAN/empty--> free
///                     |  reply size 0: reported, stays busy (the SPM may answer again)
///                     |  no success for ResendInterval: the request moves to another free slot,
///                     |  this one is cleaned (the SPM would never see the same bytes as new)
///                     +--every waiter cancelled--> cleaning
/// </code>
/// Requests for one volume are de-duplicated: a request no bigger than the outstanding one
/// joins it; a bigger one waits for it and is then sent (unless the reply already covers it).
/// While anything is outstanding one poll loop reads the outbox mailbox, every ~1 ms at first,
/// backing off to <see cref="MailboxOptions.ClientMaxPoll"/>; <see cref="Wake"/> cuts a wait short.
/// </summary>
public sealed partial class MailboxClient : IAsyncDisposable
{
    private readonly IBlockDevice _inbox;
    private readonly IBlockDevice _outbox;
    private readonly MailboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _complaints;
    private readonly WakeSignal _wake = new();
    private readonly CancellationTokenSource _stop = new();

    // Everything below is guarded by _io, which is also held across every mailbox write, so the
    // in-memory mailbox and what is on disk change together.
    private readonly SemaphoreSlim _io = new(1, 1);
    private readonly Dictionary<(Guid Domain, Guid Volume), PendingExtend> _pending = [];
    private readonly PendingExtend?[] _busy = new PendingExtend?[MailboxLayout.MessagesPerMailbox];
    private readonly bool[] _cleaning = new bool[MailboxLayout.MessagesPerMailbox];
    private HostMailbox _mine = HostMailbox.Empty;
    private bool _started;
    private bool _disposed;
    private bool _pumpRunning;
    private Task _pump = Task.CompletedTask;

    public MailboxClient(int hostId, IBlockDevice inbox, IBlockDevice outbox, MailboxOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(options);
        if (hostId < 1 || hostId > MailboxLayout.MaxHostIdCapacity)
        {
            throw new SanpoolException(MailboxErrors.HostIdOutOfRange, $"host id {hostId} is outside 1..{MailboxLayout.MaxHostIdCapacity}");
        }

        long needed = MailboxLayout.MailboxOffset(hostId) + MailboxLayout.MailboxSize;
        foreach (var area in new[] { inbox, outbox })
        {
            if (area.Size < needed)
            {
                throw new SanpoolException(MailboxErrors.AreaTooSmall, $"{area.Path} has {area.Size} bytes; host {hostId}'s mailbox ends at {needed}");
            }
        }

        HostId = hostId;
        _inbox = inbox;
        _outbox = outbox;
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _complaints = new LogThrottle(time, options.ComplaintInterval);
    }

    public int HostId { get; }

    /// <summary>Raised after a request is written (and after each re-send), so the agent can hint the SPM.</summary>
    public Action? Requested { get; set; }

    /// <summary>Requests sent and not yet answered with success.</summary>
    public int Outstanding
    {
        get
        {
            _io.Wait();
            try
            {
                return _pending.Count;
            }
            finally
            {
                _io.Release();
            }
        }
    }

    /// <summary>A hint that the SPM has replied: poll the outbox now.</summary>
    public void Wake() => _wake.Set();

    /// <summary>
    /// Asks the SPM to grow the volume to at least <paramref name="request"/>'s size and waits
    /// for the first successful reply. Replies that say "failed" go to <paramref name="failures"/>
    /// while the request stays pending; cancelling withdraws it (cleans its slot) once no other
    /// caller waits for it.
    /// </summary>
    public async Task<ExtendReply> ExtendAsync(ExtendRequest request, IProgress<ExtendReply>? failures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.NewSizeMiB is < 1 or > MailboxMessage.MaxSizeMiB)
        {
            throw new SanpoolException(MailboxErrors.BadRequest, $"cannot ask for {request}: sizes are 1..{MailboxMessage.MaxSizeMiB} MiB");
        }

        var key = (request.Domain, request.Volume);
        while (true)
        {
            PendingExtend? entry = null;
            Task<ExtendReply>? earlier = null;
            bool sent = false;
            await _io.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                await StartAsync().ConfigureAwait(false);
                if (_pending.TryGetValue(key, out var existing))
                {
                    if (request.NewSizeMiB <= existing.Request.NewSizeMiB)
                    {
                        existing.Join(failures);
                        entry = existing;
                    }
                    else
                    {
                        earlier = existing.Completion.Task;
                    }
                }
                else
                {
                    entry = await SendAsync(request, failures).ConfigureAwait(false);
                    sent = true;
                }
            }
            finally
            {
                _io.Release();
            }

            if (entry is null)
            {
                var covered = await AwaitEarlierAsync(earlier!, request, cancellationToken).ConfigureAwait(false);
                if (covered is not null)
                {
                    return covered;
                }

                continue;
            }

            if (sent)
            {
                _wake.Set();
                Requested?.Invoke();
            }

            return await WaitAsync(entry, failures, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _io.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }
        finally
        {
            _io.Release();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The pump's way of stopping.
        }

        await WithdrawAllAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>
    /// A bigger request for a volume with one outstanding waits for it: the reply may already
    /// be big enough. Null when it is not (or the earlier one was withdrawn): send our own.
    /// </summary>
    private static async Task<ExtendReply?> AwaitEarlierAsync(Task<ExtendReply> earlier, ExtendRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await earlier.WaitAsync(cancellationToken).ConfigureAwait(false);
            return reply.SizeMiB >= request.NewSizeMiB ? reply : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<ExtendReply> WaitAsync(PendingExtend entry, IProgress<ExtendReply>? failures, CancellationToken cancellationToken)
    {
        try
        {
            return await entry.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await LeaveAsync(entry, failures).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A caller stopped waiting; the last one out withdraws the request (cleans its slot).</summary>
    private async Task LeaveAsync(PendingExtend entry, IProgress<ExtendReply>? failures)
    {
        await _io.WaitAsync().ConfigureAwait(false);
        try
        {
            entry.Leave(failures);
            if (entry.Waiters > 0 || entry.Completion.Task.IsCompleted || _disposed)
            {
                return;
            }

            _pending.Remove((entry.Request.Domain, entry.Request.Volume));
            Clean(entry.Slot);
            entry.Completion.TrySetCanceled();
            _logger.Withdrawn(HostId, entry.Request.Domain, entry.Request.Volume, entry.Request.NewSizeMiB, entry.Slot);
            await TryWriteMineAsync(withEvent: true).ConfigureAwait(false);
        }
        finally
        {
            _io.Release();
        }
    }

    /// <summary>On dispose: clean every busy slot and fail whoever still waits.</summary>
    private async Task WithdrawAllAsync()
    {
        await _io.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var entry in _pending.Values)
            {
                Clean(entry.Slot);
                entry.Completion.TrySetException(new ObjectDisposedException(nameof(MailboxClient), $"host {HostId}'s mailbox client was stopped"));
            }

            bool any = _pending.Count > 0;
            _pending.Clear();
            if (any)
            {
                await TryWriteMineAsync(withEvent: true).ConfigureAwait(false);
            }
        }
        finally
        {
            _io.Release();
        }
    }
}
