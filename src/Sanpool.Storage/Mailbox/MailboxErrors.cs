using Sanpool.Core;

namespace Sanpool.Storage.Mailbox;

/// <summary>Storage mailbox codes, band -800 .. -819.</summary>
public static class MailboxErrors
{
    /// <summary>A mailbox's stored checksum is not the sum of its bytes: a torn or corrupted write.</summary>
    public static readonly ErrorCode ChecksumMismatch = new(-800, "MAILBOX_CHECKSUM_MISMATCH");

    /// <summary>All 63 slots of a host's mailbox hold outstanding messages.</summary>
    public static readonly ErrorCode MailboxFull = new(-801, "MAILBOX_FULL");

    /// <summary>A request that cannot be encoded (a size outside 0..0xFFFFFFFF MiB).</summary>
    public static readonly ErrorCode BadRequest = new(-802, "MAILBOX_BAD_REQUEST");

    /// <summary>A host id outside 1..the area's capacity (or the server's configured maximum).</summary>
    public static readonly ErrorCode HostIdOutOfRange = new(-803, "MAILBOX_HOST_ID_OUT_OF_RANGE");

    /// <summary>A mailbox area smaller than the host ids it must hold.</summary>
    public static readonly ErrorCode AreaTooSmall = new(-804, "MAILBOX_AREA_TOO_SMALL");

    /// <summary>A request cut off because the host left the master whose mailbox carried it (a reconnect); it is sent again.</summary>
    public static readonly ErrorCode Disconnected = new(-805, "MAILBOX_DISCONNECTED");
}
