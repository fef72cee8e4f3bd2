using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>The slot bookkeeping and the writes of <see cref="MailboxClient"/>; every member runs under <c>_io</c>.</summary>
public sealed partial class MailboxClient
{
    private long MailboxOffset => MailboxLayout.MailboxOffset(HostId);

    /// <summary>
    /// The first use: a slot whose outbox still holds a reply from an earlier life of this host
    /// (a request it no longer waits for) is cleaned, and only becomes free once the SPM has
    /// acknowledged that; every other slot starts free and empty, as VDSM's host clears its
    /// mailbox when it starts.
    /// </summary>
    private async Task StartAsync()
    {
        if (_started)
        {
            return;
        }

        var outbox = await ReadOutboxAsync(CancellationToken.None).ConfigureAwait(false);
        var mine = HostMailbox.Empty;
        bool stale = false;
        for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
        {
            if (!IsFreeInOutbox(outbox.Span.Slice(MailboxLayout.SlotOffset(slot), MailboxLayout.MessageSize)))
            {
                _cleaning[slot] = true;
                mine = mine.With(slot, MailboxMessage.Clean);
                stale = true;
            }
        }

        _mine = mine;
        await WriteMineAsync(withEvent: stale).ConfigureAwait(false);
        _started = true;
    }

    /// <summary>An outbox slot no reply of ours can be mistaken in: empty, or the SPM's CLEAN.</summary>
    private static bool IsFreeInOutbox(ReadOnlySpan<byte> slot) =>
        MailboxMessage.TryRead(slot, out var m) && m.Kind is MailboxMessageKind.Empty or MailboxMessageKind.Clean;

    private async Task<PendingExtend> SendAsync(ExtendRequest request, IProgress<ExtendReply>? failures)
    {
        int slot = FreeSlot();
        if (slot < 0)
        {
            // Cleaned slots come back only when the SPM acknowledges them: look once more.
            await PollAsync(CancellationToken.None).ConfigureAwait(false);
            slot = FreeSlot();
            if (slot < 0)
            {
                throw new SanpoolException(
                    MailboxErrors.MailboxFull,
                    $"host {HostId}'s mailbox has all {MailboxLayout.MessagesPerMailbox} slots in use; cannot ask for {request}",
                    isTransient: true);
            }
        }

        var entry = new PendingExtend(request, _time.GetTimestamp()) { Slot = slot };
        entry.Join(failures);
        var before = _mine;
        _mine = _mine.With(slot, entry.Message);
        try
        {
            await WriteMineAsync(withEvent: true).ConfigureAwait(false);
        }
        catch
        {
            _mine = before;
            throw;
        }

        _busy[slot] = entry;
        _pending[(request.Domain, request.Volume)] = entry;
        _logger.Requested(HostId, request.Domain, request.Volume, request.NewSizeMiB, slot);
        EnsurePump();
        return entry;
    }

    private int FreeSlot()
    {
        for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
        {
            if (_busy[slot] is null && !_cleaning[slot])
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>Puts CLEAN in <paramref name="slot"/> (in memory; the caller writes) and waits for the SPM's acknowledgement.</summary>
    private void Clean(int slot)
    {
        _busy[slot] = null;
        _cleaning[slot] = true;
        _mine = _mine.With(slot, MailboxMessage.Clean);
    }

    /// <summary>
    /// Writes this host's whole mailbox, then (for new mail) a fresh event block, in VDSM's
    /// order: the SPM that sees the event must find the mail already there. Both O_DIRECT.
    /// </summary>
    private async Task WriteMineAsync(bool withEvent)
    {
        await _inbox.WriteAsync(MailboxOffset, _mine.ToBytes(), CancellationToken.None).ConfigureAwait(false);
        if (withEvent)
        {
            long eventOffset = MailboxLayout.MailboxOffset(MailboxLayout.EventMailbox);
            await _inbox.WriteAsync(eventOffset, MailboxEvent.NewEvent().ToBytes(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A write whose failure only delays things (a clean): the next write carries it.</summary>
    private async Task TryWriteMineAsync(bool withEvent)
    {
        try
        {
            await WriteMineAsync(withEvent).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            Complain(_inbox.Path, e);
        }
    }

    private async Task<Memory<byte>> ReadOutboxAsync(CancellationToken cancellationToken)
    {
        var bytes = new byte[MailboxLayout.MailboxSize];
        await _outbox.ReadAsync(MailboxOffset, bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    private void Complain(string device, Exception e)
    {
        string key = $"io/{device}";
        if (_complaints.ShouldLog(key))
        {
            _logger.ClientIoFailed(HostId, device, e.Message, _complaints.Occurrences(key));
        }
    }
}
