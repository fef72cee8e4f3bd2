namespace Sanpool.Storage.Mailbox;

/// <summary>
/// The storage mailbox's geometry, as VDSM lays it out (lib/vdsm/storage/mailbox.py, checked
/// against the source): two areas on the master domain, <c>inbox</c> (hosts' requests to the
/// SPM) and <c>outbox</c> (the SPM's replies), 16 MiB each (sd.py SPECIAL_VOLUME_SIZES_MIB).
/// Each area is an array of 4 KiB mailboxes, one per host id: host N's mailbox is at N x 4096.
/// Host ids start at 1, so mailbox 0 of the inbox is free for the event block
/// (<see cref="MailboxEvent"/>). A mailbox is 64 slots of 64 bytes; the last slot is reserved
/// for metadata, of which only the checksum (its last 4 bytes) is used.
///
/// <code>
///  mailbox (4096 bytes)
///  off   size  field
///  0     64    message slot 0          (<see cref="MailboxMessage"/>)
///  64    64    message slot 1
///  ...
///  3968  64    message slot 62
///  4032  60    reserved, zero          (the 64th slot, minus the checksum)
///  4092  4     checksum                little-endian sum of bytes [0, 4092)
/// </code>
///
/// VDSM's SPM reads <c>maxHostID</c> mailboxes starting at mailbox 0 (so, with the engine's
/// 250, host 250 itself is never read: an off-by-one in VDSM). We read mailboxes 0..MaxHostId
/// inclusive. VDSM zeroes only the first 250 x 4 KiB (RESERVED_MAILBOX_SIZE, blockSD.py) of the
/// LVs; we zero both whole areas at domain creation.
/// </summary>
public static class MailboxLayout
{
    /// <summary>One message slot (MESSAGE_SIZE).</summary>
    public const int MessageSize = 64;

    /// <summary>One host's mailbox (MAILBOX_SIZE): also the unit of every mailbox I/O.</summary>
    public const int MailboxSize = 4096;

    /// <summary>Slots in a mailbox, counting the metadata slot (SLOTS_PER_MAILBOX).</summary>
    public const int SlotsPerMailbox = MailboxSize / MessageSize;

    /// <summary>Slots that carry messages (MESSAGES_PER_MAILBOX): all but the metadata slot.</summary>
    public const int MessagesPerMailbox = SlotsPerMailbox - 1;

    /// <summary>Where the metadata slot starts: right after the last message slot.</summary>
    public const int MetadataOffset = MessagesPerMailbox * MessageSize;

    /// <summary>The checksum's size (CHECKSUM_BYTES).</summary>
    public const int ChecksumSize = 4;

    /// <summary>The checksum is the last field of the mailbox.</summary>
    public const int ChecksumOffset = MailboxSize - ChecksumSize;

    /// <summary>The checksum covers every byte before it: [0, ChecksumOffset).</summary>
    public const int ChecksumLength = ChecksumOffset;

    /// <summary>Each area's size: 16 MiB, as VDSM makes the inbox and outbox LVs and files.</summary>
    public const long AreaSize = 16L * 1024 * 1024;

    /// <summary>Mailboxes an area holds: 4096, so host ids 1..4095 fit.</summary>
    public const int MailboxesPerArea = (int)(AreaSize / MailboxSize);

    /// <summary>The highest host id an area can hold (mailbox 0 is the event block).</summary>
    public const int MaxHostIdCapacity = MailboxesPerArea - 1;

    /// <summary>VDSM's (and sanlock's default) maximum host id: clusterlock.MAX_HOST_ID.</summary>
    public const int VdsmMaxHostId = 250;

    /// <summary>Mailbox 0 of the inbox holds the event block, not a host's mail.</summary>
    public const int EventMailbox = 0;

    /// <summary>The byte offset of host <paramref name="hostId"/>'s mailbox in either area.</summary>
    public static long MailboxOffset(int hostId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostId, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostId, MaxHostIdCapacity);
        return (long)hostId * MailboxSize;
    }

    /// <summary>The byte offset of <paramref name="slot"/> inside a mailbox.</summary>
    public static int SlotOffset(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, MessagesPerMailbox);
        return slot * MessageSize;
    }
}
