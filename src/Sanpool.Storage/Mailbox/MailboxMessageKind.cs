namespace Sanpool.Storage.Mailbox;

/// <summary>What a 64-byte mailbox slot holds.</summary>
public enum MailboxMessageKind
{
    /// <summary>First byte 0x00: nothing (VDSM skips such a slot without reading the rest).</summary>
    Empty,

    /// <summary>64 x 0x01 (CLEAN_MESSAGE): the sender is done with the slot.</summary>
    Clean,

    /// <summary>An <c>xtnd</c> request (inbox) or its reply (outbox).</summary>
    Extend,
}
