using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// One outstanding request of a <see cref="MailboxClient"/>: the slot it is in, when it was
/// last sent, the last reply bytes seen in that slot of the outbox (so a reply is acted on when
/// it changes, not on every poll), and the callers waiting for it. Guarded by the client's lock.
/// </summary>
internal sealed class PendingExtend(ExtendRequest request, long sentAt)
{
    private readonly List<IProgress<ExtendReply>?> _waiters = [];

    public ExtendRequest Request { get; } = request;

    public MailboxMessage Message { get; } = MailboxMessage.Extend(request.Domain, request.Volume, request.NewSizeMiB);

    public int Slot { get; set; } = -1;

    /// <summary>The <see cref="TimeProvider"/> timestamp of the last send (the resend clock).</summary>
    public long SentAt { get; set; } = sentAt;

    /// <summary>The reply bytes last acted on in <see cref="Slot"/>; null until a reply comes.</summary>
    public byte[]? LastReply { get; set; }

    public TaskCompletionSource<ExtendReply> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Waiters => _waiters.Count;

    public void Join(IProgress<ExtendReply>? failures) => _waiters.Add(failures);

    public void Leave(IProgress<ExtendReply>? failures) => _waiters.Remove(failures);

    /// <summary>Tells every waiter that the SPM answered "failed" (the request stays pending).</summary>
    public void ReportFailure(ExtendReply reply)
    {
        foreach (var waiter in _waiters)
        {
            waiter?.Report(reply);
        }
    }
}
