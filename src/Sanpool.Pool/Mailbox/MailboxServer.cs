using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Core.Logging;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// The SPM's side of the storage mailbox (VDSM's SPM_MailMonitor). It reads every host's
/// mailbox of the inbox in one O_DIRECT read of (MaxHostId + 1) x 4 KiB, finds slots whose
/// bytes changed since the last read, hands new <c>xtnd</c> requests to the
/// <see cref="IMailHandler"/> (concurrently, bounded), and writes each reply into the same slot
/// of that host's outbox mailbox (whole 4 KiB, checksum recomputed, from an in-memory copy of
/// each outbox mailbox). A CLEAN request slot gets CLEAN in the outbox: the host then knows the
/// slot is free.
///
/// When it reads: on a changed event block (mailbox 0 of the inbox; polled every ~1 ms after
/// activity, backing off to <see cref="MailboxOptions.ServerIdlePoll"/>), on <see cref="Wake"/>,
/// and every <see cref="MailboxOptions.FullScanInterval"/> regardless (VDSM's monitor interval:
/// the safety net for an event write that was lost or overwritten).
///
/// A mailbox whose checksum is wrong is skipped for that read (its mail is neither handled
/// nor forgotten), counted, and logged at most once per host per <see cref="MailboxOptions.ComplaintInterval"/>;
/// other hosts are served as usual. A new server starts by clearing the outbox, as VDSM's does,
/// and treats every non-empty slot as new: a request that was pending when the previous SPM
/// died is handled once more, which is safe because requests carry absolute sizes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "its semaphores and token sources hold nothing to release: no AvailableWaitHandle, no CancelAfter timer; they live as long as the object")]
public sealed partial class MailboxServer
{
    private readonly IBlockDevice _inbox;
    private readonly IBlockDevice _outbox;
    private readonly IMailHandler _handler;
    private readonly MailboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogThrottle _complaints;
    private readonly WakeSignal _wake = new();
    private readonly SemaphoreSlim _handlers;
    private readonly SemaphoreSlim[] _hostWrites;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _running = new();

    // Guarded by _lock: the inbox as last read (per valid mailbox), the outbox as last
    // written, and the request slots being handled or answered.
    private readonly Lock _lock = new();
    private readonly byte[] _seen;

    /// <summary>The inbox as read by the scan now running; only the server's loop scans, one scan at a time.</summary>
    private readonly byte[] _scanned;
    private readonly HostMailbox[] _replies;
    private readonly Dictionary<(int HostId, int Slot), ServerSlot> _slots = [];
    private HashSet<int> _badHosts = [];
    private long _scans;

    public MailboxServer(IBlockDevice inbox, IBlockDevice outbox, IMailHandler handler, MailboxOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxHostId < 1 || options.MaxHostId > MailboxLayout.MaxHostIdCapacity)
        {
            throw new SanpoolException(MailboxErrors.HostIdOutOfRange, $"MaxHostId {options.MaxHostId} is outside 1..{MailboxLayout.MaxHostIdCapacity}");
        }

        long needed = MailboxLayout.MailboxOffset(options.MaxHostId) + MailboxLayout.MailboxSize;
        foreach (var area in new[] { inbox, outbox })
        {
            if (area.Size < needed)
            {
                throw new SanpoolException(MailboxErrors.AreaTooSmall, $"{area.Path} has {area.Size} bytes; host ids up to {options.MaxHostId} need {needed}");
            }
        }

        _inbox = inbox;
        _outbox = outbox;
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _complaints = new LogThrottle(time, options.ComplaintInterval);
        _handlers = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentHandlers));
        _hostWrites = [.. Enumerable.Range(0, options.MaxHostId + 1).Select(_ => new SemaphoreSlim(1, 1))];
        _seen = new byte[needed];
        _scanned = new byte[needed];
        _replies = [.. Enumerable.Repeat(HostMailbox.Empty, options.MaxHostId + 1)];
    }

    /// <summary>Raised after a reply is written to a host's outbox mailbox, so the agent can hint that host.</summary>
    public Action<int>? Replied { get; set; }

    /// <summary>Full reads of the inbox so far (for tests and the benchmark).</summary>
    public long Scans => Interlocked.Read(ref _scans);

    /// <summary>A hint that a host has written a request: read the inbox now.</summary>
    public void Wake() => _wake.Set();

    /// <summary>How many reads found <paramref name="hostId"/>'s mailbox with a bad checksum.</summary>
    public long ChecksumFailures(int hostId) => _complaints.Occurrences(ChecksumKey(hostId));

    /// <summary>
    /// Serves the mailbox until cancelled; then waits for the handlers it started. I/O errors
    /// are logged (rate-limited) and retried; they never end the loop.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _logger.ServerStarted(_options.MaxHostId, _inbox.Path, _outbox.Path);
        try
        {
            await ClearOutboxAsync(cancellationToken).ConfigureAwait(false);
            await LoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DrainAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Hands every request whose last reply said "failed" to the handler again and writes the
    /// new replies (the SPM calls this once it has more space, e.g. after a LUN was added).
    /// Requests that are being handled are left alone.
    /// </summary>
    public async Task RetryFailedAsync(CancellationToken cancellationToken)
    {
        List<ServerSlot> retry;
        lock (_lock)
        {
            retry = [.. _slots.Values.Where(s => s.Failed && !s.InFlight)];
            foreach (var s in retry)
            {
                s.InFlight = true;
            }
        }

        await Task.WhenAll(retry.Select(s => HandleAsync(s, cancellationToken))).ConfigureAwait(false);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var lastEvent = await ReadEventAsync(cancellationToken).ConfigureAwait(false) ?? Guid.Empty;
        bool quickRescan = await ScanAsync(cancellationToken).ConfigureAwait(false);
        long lastScan = _time.GetTimestamp();
        var period = _options.ServerFirstPoll;
        while (true)
        {
            var untilFull = _options.FullScanInterval - _time.GetElapsedTime(lastScan);
            var wait = untilFull < period ? (untilFull > TimeSpan.Zero ? untilFull : TimeSpan.Zero) : period;
            bool hinted = await _wake.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
            bool due = _time.GetElapsedTime(lastScan) >= _options.FullScanInterval;
            bool changed = false;
            if (!hinted && !due && !quickRescan)
            {
                var seen = await ReadEventAsync(cancellationToken).ConfigureAwait(false);
                changed = seen is { } id && id != lastEvent;
                lastEvent = seen ?? lastEvent;
            }

            if (hinted || due || changed || quickRescan)
            {
                quickRescan = await ScanAsync(cancellationToken).ConfigureAwait(false);
                lastScan = _time.GetTimestamp();
                period = hinted || changed || quickRescan ? _options.ServerFirstPoll : MailboxOptions.Next(period, _options.ServerIdlePoll, _options.ServerPollGrowth);
            }
            else
            {
                period = MailboxOptions.Next(period, _options.ServerIdlePoll, _options.ServerPollGrowth);
            }
        }
    }

    /// <summary>The event block's id, or null when it could not be read (the full scan covers for it).</summary>
    private async Task<Guid?> ReadEventAsync(CancellationToken cancellationToken)
    {
        var block = new byte[MailboxEvent.Size];
        try
        {
            await _inbox.ReadAsync(MailboxLayout.MailboxOffset(MailboxLayout.EventMailbox), block, cancellationToken).ConfigureAwait(false);
            return MailboxEvent.Read(block).Id;
        }
        catch (SanpoolException e)
        {
            Complain(_inbox.Path, e);
            return null;
        }
    }

    /// <summary>VDSM's SPM clears the outbox when it starts: no reply of an earlier SPM is left to be misread.</summary>
    private async Task ClearOutboxAsync(CancellationToken cancellationToken)
    {
        long start = MailboxLayout.MailboxOffset(1);
        var zeros = new byte[_seen.Length - start];
        while (true)
        {
            try
            {
                await _outbox.WriteAsync(start, zeros, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SanpoolException e)
            {
                Complain(_outbox.Path, e);
                await Task.Delay(_options.ServerIdlePoll, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DrainAsync()
    {
        foreach (var task in _running.Keys)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped with the server.
            }
        }
    }

    private static string ChecksumKey(int hostId) => $"checksum/{hostId}";

    private void Complain(string device, Exception e)
    {
        string key = $"io/{device}";
        if (_complaints.ShouldLog(key))
        {
            _logger.ServerIoFailed(device, e.Message, _complaints.Occurrences(key));
        }
    }
}
