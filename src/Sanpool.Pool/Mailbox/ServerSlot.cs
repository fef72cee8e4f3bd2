using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// What the SPM knows of one request slot: the request's bytes as read (a reply is written
/// only while the slot still holds exactly these), whether a handler runs for it, and whether
/// the last reply said "failed" (<see cref="MailboxServer.RetryFailedAsync"/> retries those).
/// Guarded by the server's lock.
/// </summary>
internal sealed class ServerSlot(int hostId, int slot, byte[] raw, MailboxMessage request)
{
    public int HostId { get; } = hostId;

    public int Slot { get; } = slot;

    public byte[] Raw { get; } = raw;

    public MailboxMessage Request { get; } = request;

    public bool InFlight { get; set; }

    public bool Failed { get; set; }
}
