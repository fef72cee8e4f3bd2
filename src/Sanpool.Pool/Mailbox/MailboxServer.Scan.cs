using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>The inbox scan and the replies of <see cref="MailboxServer"/>.</summary>
public sealed partial class MailboxServer
{
    /// <summary>
    /// Reads the whole inbox once and acts on every slot that changed. Returns true when a
    /// mailbox turned bad that was good on the last read: probably a read that raced the host's
    /// write, so the caller reads again soon instead of waiting for the next full scan. A
    /// mailbox that stays bad does not cause more reads.
    /// </summary>
    private async Task<bool> ScanAsync(CancellationToken cancellationToken)
    {
        var inbox = _scanned;
        try
        {
            await _inbox.ReadAsync(0, inbox, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            Complain(_inbox.Path, e);
            return false;
        }

        Interlocked.Increment(ref _scans);
        var requests = new List<ServerSlot>();
        var cleaned = new HashSet<int>();
        var bad = new HashSet<int>();
        lock (_lock)
        {
            for (int host = 1; host <= _options.MaxHostId; host++)
            {
                var mailbox = inbox.AsSpan((int)MailboxLayout.MailboxOffset(host), MailboxLayout.MailboxSize);
                if (!HasMail(mailbox))
                {
                    Forget(host, mailbox);
                }
                else if (!HostMailbox.HasValidChecksum(mailbox))
                {
                    bad.Add(host);
                }
                else
                {
                    ReadMailbox(host, mailbox, requests, cleaned);
                }
            }
        }

        bool newlyBad = bad.Any(h => !_badHosts.Contains(h));
        _badHosts = bad;
        foreach (int host in bad)
        {
            ComplainChecksum(host, inbox);
        }

        foreach (int host in cleaned)
        {
            await WriteHostAsync(host, cancellationToken).ConfigureAwait(false);
        }

        foreach (var request in requests)
        {
            var task = HandleAsync(request, cancellationToken);
            _running.TryAdd(task, true);
            _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return newlyBad;
    }

    /// <summary>VDSM's shortcut: a mailbox whose slots all start with 0x00 holds no mail, checksum or not.</summary>
    private static bool HasMail(ReadOnlySpan<byte> mailbox)
    {
        for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
        {
            if (mailbox[MailboxLayout.SlotOffset(slot)] != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An empty mailbox: whatever its slots held is gone (under <c>_lock</c>).</summary>
    private void Forget(int host, ReadOnlySpan<byte> mailbox)
    {
        var seen = _seen.AsSpan((int)MailboxLayout.MailboxOffset(host), MailboxLayout.MailboxSize);
        if (!seen.SequenceEqual(mailbox))
        {
            mailbox.CopyTo(seen);
            for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
            {
                _slots.Remove((host, slot));
            }
        }
    }

    /// <summary>Acts on each changed slot of a valid mailbox (under <c>_lock</c>).</summary>
    private void ReadMailbox(int host, ReadOnlySpan<byte> mailbox, List<ServerSlot> requests, HashSet<int> cleaned)
    {
        for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
        {
            var raw = mailbox.Slice(MailboxLayout.SlotOffset(slot), MailboxLayout.MessageSize);
            var seen = _seen.AsSpan((int)MailboxLayout.MailboxOffset(host) + MailboxLayout.SlotOffset(slot), MailboxLayout.MessageSize);
            if (raw.SequenceEqual(seen))
            {
                continue;
            }

            raw.CopyTo(seen);
            _slots.Remove((host, slot));
            if (!MailboxMessage.TryRead(raw, out var message))
            {
                string key = $"unknown/{host}/{slot}";
                if (_complaints.ShouldLog(key))
                {
                    _logger.UnknownMessage(host, slot, _complaints.Occurrences(key));
                }

                continue;
            }

            switch (message.Kind)
            {
                case MailboxMessageKind.Clean:
                    // The host is done with the slot; CLEAN in the outbox tells it we saw that.
                    _replies[host] = _replies[host].With(slot, MailboxMessage.Clean);
                    cleaned.Add(host);
                    break;
                case MailboxMessageKind.Extend:
                    var request = new ServerSlot(host, slot, message) { InFlight = true };
                    _slots[(host, slot)] = request;
                    requests.Add(request);
                    break;
            }
        }
    }

    private void ComplainChecksum(int host, byte[] inbox)
    {
        string key = ChecksumKey(host);
        if (_complaints.ShouldLog(key))
        {
            string error;
            try
            {
                HostMailbox.Read(inbox.AsSpan((int)MailboxLayout.MailboxOffset(host), MailboxLayout.MailboxSize), host);
                error = "it read back whole";
            }
            catch (SanpoolException e)
            {
                error = e.Message;
            }

            _logger.BadChecksum(host, _complaints.Occurrences(key), error);
        }
    }

    /// <summary>
    /// Runs the handler for one request and writes the reply, unless the slot changed meanwhile
    /// (the host cleaned it or sent something else there): a late reply must not land on a
    /// slot that now means something else.
    /// </summary>
    private async Task HandleAsync(ServerSlot request, CancellationToken cancellationToken)
    {
        var message = request.Request;
        var extend = new ExtendRequest(message.Domain, message.Volume, message.SizeMiB);
        long size;
        await _handlers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            size = await _handler.ExtendAsync(request.HostId, extend, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            _logger.HandlerFailed(e, request.HostId, message.Domain, message.Volume);
            size = 0;
        }
        finally
        {
            _handlers.Release();
        }

        size = Math.Clamp(size, 0, MailboxMessage.MaxSizeMiB);
        bool current;
        lock (_lock)
        {
            current = _slots.TryGetValue((request.HostId, request.Slot), out var now) && ReferenceEquals(now, request);
            request.InFlight = false;
            request.Failed = size == 0;
            if (current)
            {
                _replies[request.HostId] = _replies[request.HostId].With(request.Slot, message.WithSize(size));
            }
        }

        string result = !current ? "the host withdrew it; no reply" : size > 0 ? $"extended to {size} MiB" : "failed, replied 0";
        _logger.Handled(request.HostId, message.Domain, message.Volume, message.SizeMiB, request.Slot, result);
        if (current)
        {
            await WriteHostAsync(request.HostId, cancellationToken).ConfigureAwait(false);
            Replied?.Invoke(request.HostId);
        }
    }

    /// <summary>
    /// Writes host <paramref name="host"/>'s outbox mailbox as it is in memory now. One writer
    /// per host at a time; each writes the latest copy, so the last write has every reply.
    /// </summary>
    private async Task WriteHostAsync(int host, CancellationToken cancellationToken)
    {
        await _hostWrites[host].WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] bytes;
            lock (_lock)
            {
                bytes = _replies[host].ToBytes();
            }

            await _outbox.WriteAsync(MailboxLayout.MailboxOffset(host), bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            Complain(_outbox.Path, e);
        }
        finally
        {
            _hostWrites[host].Release();
        }
    }
}
