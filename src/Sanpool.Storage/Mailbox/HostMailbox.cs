using System.Buffers.Binary;
using Sanpool.Core;

namespace Sanpool.Storage.Mailbox;

/// <summary>
/// One host's 4 KiB mailbox (layout in <see cref="MailboxLayout"/>): 63 message slots, 60
/// reserved zero bytes and the checksum. The checksum is VDSM's: the sum of bytes [0, 4092) as
/// unsigned bytes, truncated to 32 bits, stored little-endian (<c>struct.pack('&lt;l')</c>; the
/// sum is at most 4092 x 255 = 1,043,460, so the signed pack never sees the high bit).
/// An all-zero mailbox is valid (checksum 0); VDSM's SPM skips it as empty.
///
/// Immutable: the slots are kept as raw bytes, so a slot that is none of the known messages
/// survives a read-modify-write unchanged, and a changed slot is found by comparing bytes, as
/// the SPM does. <see cref="With"/> returns a copy with one slot replaced.
///
/// VDSM's SPM writes its outbox without ever setting the checksum (its hosts never check it);
/// Sanpool writes the checksum on both areas and verifies it on every read, except that a host
/// accepts an outbox mailbox whose checksum field is 0 (<see cref="ReadReply"/>), so a Sanpool
/// host can still be served by a VDSM SPM.
/// </summary>
public sealed class HostMailbox
{
    private readonly byte[] _bytes;

    public static readonly HostMailbox Empty = new(new byte[MailboxLayout.MailboxSize]);

    private HostMailbox(byte[] bytes) => _bytes = bytes;

    /// <summary>The stored checksum (equal to the computed one: a mailbox is only made valid).</summary>
    public uint Checksum => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(MailboxLayout.ChecksumOffset));

    /// <summary>True when every slot is empty (first byte 0x00).</summary>
    public bool IsEmpty
    {
        get
        {
            for (int slot = 0; slot < MailboxLayout.MessagesPerMailbox; slot++)
            {
                if (_bytes[MailboxLayout.SlotOffset(slot)] != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>VDSM's checksum of the bytes it covers (the first <see cref="MailboxLayout.ChecksumLength"/>).</summary>
    public static uint ComputeChecksum(ReadOnlySpan<byte> mailbox)
    {
        uint sum = 0;
        foreach (byte b in mailbox[..MailboxLayout.ChecksumLength])
        {
            sum += b;
        }

        return sum;
    }

    /// <summary>True when the stored checksum matches the bytes.</summary>
    public static bool HasValidChecksum(ReadOnlySpan<byte> mailbox) =>
        mailbox.Length >= MailboxLayout.MailboxSize
        && BinaryPrimitives.ReadUInt32LittleEndian(mailbox[MailboxLayout.ChecksumOffset..]) == ComputeChecksum(mailbox);

    /// <summary>Reads and verifies one mailbox.</summary>
    /// <exception cref="SanpoolException">MAILBOX_CHECKSUM_MISMATCH naming both values.</exception>
    public static HostMailbox Read(ReadOnlySpan<byte> mailbox, int hostId = -1)
    {
        if (mailbox.Length < MailboxLayout.MailboxSize)
        {
            throw new InvalidDataException($"a mailbox is {MailboxLayout.MailboxSize} bytes, got {mailbox.Length}");
        }

        mailbox = mailbox[..MailboxLayout.MailboxSize];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(mailbox[MailboxLayout.ChecksumOffset..]);
        uint computed = ComputeChecksum(mailbox);
        if (stored != computed)
        {
            string who = hostId >= 0 ? $"host {hostId}'s mailbox" : "a mailbox";
            throw new SanpoolException(
                MailboxErrors.ChecksumMismatch,
                $"{who} has checksum 0x{stored:x8} stored but its bytes sum to 0x{computed:x8}");
        }

        return new HostMailbox(mailbox.ToArray());
    }

    /// <summary>
    /// Reads an outbox mailbox the way a host must accept VDSM's SPM's: VDSM never writes the
    /// outbox checksum, so it reads 0 there. A stored 0 is accepted unverified (and resealed);
    /// any other stored value must match, as in <see cref="Read"/>.
    /// </summary>
    public static HostMailbox ReadReply(ReadOnlySpan<byte> mailbox, int hostId = -1)
    {
        if (mailbox.Length >= MailboxLayout.MailboxSize
            && BinaryPrimitives.ReadUInt32LittleEndian(mailbox[MailboxLayout.ChecksumOffset..]) == 0)
        {
            var bytes = mailbox[..MailboxLayout.MailboxSize].ToArray();
            Seal(bytes);
            return new HostMailbox(bytes);
        }

        return Read(mailbox, hostId);
    }

    /// <summary>The raw 64 bytes of <paramref name="slot"/>.</summary>
    public ReadOnlySpan<byte> Slot(int slot) => _bytes.AsSpan(MailboxLayout.SlotOffset(slot), MailboxLayout.MessageSize);

    /// <summary>The message in <paramref name="slot"/>, or null when its bytes are no known message.</summary>
    public MailboxMessage? Message(int slot) => MailboxMessage.TryRead(Slot(slot), out var m) ? m : null;

    /// <summary>A copy with <paramref name="slot"/> holding <paramref name="message"/> and the checksum recomputed.</summary>
    public HostMailbox With(int slot, MailboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = (byte[])_bytes.Clone();
        message.Write(bytes.AsSpan(MailboxLayout.SlotOffset(slot)));
        Seal(bytes);
        return new HostMailbox(bytes);
    }

    /// <summary>Writes the 4096 bytes, checksum included, into <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination) => _bytes.CopyTo(destination);

    /// <summary>The 4096 bytes, for writing to storage.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    private static void Seal(byte[] bytes) =>
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(MailboxLayout.ChecksumOffset), ComputeChecksum(bytes));
}
