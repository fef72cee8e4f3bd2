using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>The poll loop of <see cref="MailboxClient"/>: it runs while anything is outstanding.</summary>
public sealed partial class MailboxClient
{
    /// <summary>Starts the poll loop unless it runs (under <c>_io</c>).</summary>
    private void EnsurePump()
    {
        if (_pumpRunning)
        {
            return;
        }

        _pumpRunning = true;
        _pump = Task.Run(() => PumpAsync(_stop.Token));
    }

    /// <summary>
    /// Polls the outbox mailbox until nothing is outstanding. A reply or a hint resets the
    /// period to the first (~1 ms); each quiet poll waits longer, up to the cap.
    /// </summary>
    private async Task PumpAsync(CancellationToken stop)
    {
        var period = _options.ClientFirstPoll;
        while (true)
        {
            bool hinted = await _wake.WaitAsync(period, _time, stop).ConfigureAwait(false);
            await _io.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                if (_pending.Count == 0 || _disposed)
                {
                    _pumpRunning = false;
                    return;
                }

                bool progress = await PollAsync(stop).ConfigureAwait(false);
                period = progress || hinted ? _options.ClientFirstPoll : MailboxOptions.Next(period, _options.ClientMaxPoll, _options.ClientPollGrowth);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Complain(_outbox.Path, e);
                period = _options.ClientMaxPoll;
            }
            finally
            {
                _io.Release();
            }
        }
    }

    /// <summary>
    /// One look at the outbox mailbox: completes requests whose reply says success, reports
    /// failures, frees cleaned slots the SPM acknowledged, and re-sends requests that waited
    /// too long; then writes the mailbox once if anything changed. True on any new reply.
    /// </summary>
    private async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        var raw = await ReadOutboxAsync(cancellationToken).ConfigureAwait(false);
        HostMailbox replies;
        try
        {
            replies = HostMailbox.ReadReply(raw.Span, HostId);
        }
        catch (SanpoolException e) when (e.Code == MailboxErrors.ChecksumMismatch)
        {
            // Most likely a read that raced the SPM's write: the next poll sees it whole.
            Complain(_outbox.Path, e);
            return false;
        }

        var completed = new List<(PendingExtend Entry, ExtendReply Reply)>();
        bool progress = false;
        for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
        {
            if (_busy[slot] is { } entry)
            {
                progress |= TakeReply(entry, slot, replies, completed);
            }
            else if (_cleaning[slot] && IsFreeInOutbox(replies.Slot(slot)))
            {
                // The SPM saw our CLEAN (or was restarted and cleared the outbox): free. The
                // empty slot reaches the disk with the next write; until then it reads CLEAN.
                _cleaning[slot] = false;
                _mine = _mine.With(slot, MailboxMessage.Empty);
            }
        }

        bool resent = Resend();
        if (completed.Count > 0 || resent)
        {
            await TryWriteMineAsync(withEvent: true).ConfigureAwait(false);
        }

        foreach (var (entry, reply) in completed)
        {
            entry.Completion.TrySetResult(reply);
        }

        if (resent)
        {
            Requested?.Invoke();
        }

        return progress;
    }

    /// <summary>Acts on <paramref name="entry"/>'s slot of the outbox if it holds a reply we have not acted on yet.</summary>
    private bool TakeReply(PendingExtend entry, int slot, HostMailbox replies, List<(PendingExtend, ExtendReply)> completed)
    {
        var bytes = replies.Slot(slot);
        if (entry.LastReply is not null && bytes.SequenceEqual(entry.LastReply))
        {
            return false;
        }

        // A reply is the request with a size; anything else (CLEAN, empty, a late reply to a
        // request this slot held before) is not ours.
        if (replies.Message(slot) is not { } message || !entry.Message.SameVolume(message))
        {
            return false;
        }

        entry.LastReply = bytes.ToArray();
        var reply = new ExtendReply(entry.Request, message.SizeMiB, slot);
        var request = entry.Request;
        if (reply.Succeeded)
        {
            _pending.Remove((request.Domain, request.Volume));
            Clean(slot);
            completed.Add((entry, reply));
            _logger.Extended(HostId, request.Domain, request.Volume, reply.SizeMiB, slot);
        }
        else
        {
            _logger.ExtendFailed(HostId, request.Domain, request.Volume, request.NewSizeMiB, slot);
            entry.ReportFailure(reply);
        }

        return true;
    }

    /// <summary>
    /// Moves each request without success for <see cref="MailboxOptions.ResendInterval"/> into
    /// another free slot and cleans the old one: the SPM reacts to changed bytes, so writing the
    /// same bytes into the same slot again would go unnoticed. No free slot: it stays put.
    /// </summary>
    private bool Resend()
    {
        bool any = false;
        long now = _time.GetTimestamp();
        foreach (var entry in _pending.Values)
        {
            var waited = _time.GetElapsedTime(entry.SentAt, now);
            if (waited < _options.ResendInterval)
            {
                continue;
            }

            int slot = FreeSlot();
            if (slot < 0)
            {
                entry.SentAt = now;
                continue;
            }

            int old = entry.Slot;
            Clean(old);
            _busy[slot] = entry;
            _mine = _mine.With(slot, entry.Message);
            entry.Slot = slot;
            entry.SentAt = now;
            entry.LastReply = null;
            any = true;
            var r = entry.Request;
            _logger.Resent(HostId, r.Domain, r.Volume, r.NewSizeMiB, slot, old, waited.TotalSeconds);
        }

        return any;
    }
}
