namespace Sanpool.Storage.Mailbox;

/// <summary>
/// The event block: the whole of mailbox 0 in the inbox (no host has id 0). A host writes it
/// right after writing a request, so the SPM can watch 4 KiB instead of scanning every
/// mailbox. Checked against VDSM's HSM_MailMonitor._write_event / SPM_MailMonitor._read_event.
///
/// <code>
///  off  size  field
///  0    4     code   "\0evt" (EVENT_CODE; the leading NUL makes slot 0 of mailbox 0 read
///                    as an empty message, so a scan of mailbox 0 finds no mail)
///  4    16    event  a random UUID, RFC 4122 byte order (Python's uuid.bytes)
///  20   4076  zero
/// </code>
///
/// There is no checksum. The UUID is random so that when several hosts write at once, the
/// last write still differs from what the SPM saw before: the SPM reacts to any change, not to
/// a particular value. An all-zero block reads as event <see cref="Guid.Empty"/>, which is what
/// VDSM's SPM starts with (uuid.UUID(int=0)).
/// </summary>
public sealed record MailboxEvent(Guid Id)
{
    public const int Size = MailboxLayout.MailboxSize;

    /// <summary>"\0evt" (EVENT_CODE).</summary>
    public static ReadOnlySpan<byte> EventCode => "\0evt"u8;

    /// <summary>A new event with a random id.</summary>
    public static MailboxEvent NewEvent() => new(Guid.NewGuid());

    /// <summary>
    /// Reads the event id as VDSM does: bytes 4..20, whatever the code says (a block another
    /// writer tore still changes the id, which only costs the SPM one scan).
    /// </summary>
    public static MailboxEvent Read(ReadOnlySpan<byte> block)
    {
        if (block.Length < Offsets.End)
        {
            throw new InvalidDataException($"an event block needs at least {Offsets.End} bytes, got {block.Length}");
        }

        return new MailboxEvent(new Guid(block[Offsets.Event..Offsets.End], bigEndian: true));
    }

    /// <summary>Writes the whole 4096-byte block into <paramref name="block"/>.</summary>
    public void Write(Span<byte> block)
    {
        block = block[..Size];
        block.Clear();
        EventCode.CopyTo(block[Offsets.Code..]);
        if (!Id.TryWriteBytes(block[Offsets.Event..Offsets.End], bigEndian: true, out _))
        {
            throw new InvalidOperationException("an event id needs 16 bytes");
        }
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>Field offsets, each the previous offset plus the previous length.</summary>
    public static class Offsets
    {
        public const int Code = 0;
        public const int Event = Code + 4;
        public const int End = Event + 16;
    }
}
