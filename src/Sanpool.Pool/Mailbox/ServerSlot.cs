using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// What the SPM knows of one request slot: the request as read, whether a handler runs for it, and whether
/// the last reply said "failed" (<see cref="MailboxServer.RetryFailedAsync"/> retries those).
/// Guarded by the server's lock.
/// </summary>
internal sealed class ServerSlot(int hostId, int slot, MailboxMessage request)
{
    public int HostId { get; } = hostId;

    public int Slot { get; } = slot;

    public MailboxMessage Request { get; } = request;

    public bool InFlight { get; set; }

    public bool Failed { get; set; }
}
