using System.Buffers.Text;
using System.Text;

namespace Sanpool.Storage.Mailbox;

/// <summary>
/// One 64-byte mailbox slot (VDSM's SPM_Extend_Message payload, CLEAN_MESSAGE, or an empty
/// slot). Checked against lib/vdsm/storage/mailbox.py. Text fields are ASCII.
///
/// <code>
///  xtnd message
///  off size field      value
///  0    1   version    '1' (0x31, MESSAGE_VERSION)
///  1    4   opcode     "xtnd" (EXTEND_CODE)
///  5    16  domain     domain UUID, RFC bytes fully reversed (<see cref="MailboxUuid"/>)
///  21   16  volume     volume UUID, same encoding
///  37   16  size       new size in MiB: 16 lowercase hex digits, zero-padded ('%016x')
///  53   11  padding    ASCII '0' (0x30): VDSM pads with ljust(64, b"0"), not with NULs
/// </code>
///
/// VDSM's own comment says "padding (14 bytes)"; the arithmetic (1+4+16+16+16 = 53) leaves 11,
/// and that is what it writes. A request carries the size the host wants; the reply, written
/// into the same slot of the outbox, is the same message with the size the SPM extended to, or
/// size 0 when the extension failed. VDSM's host checks only the first 37 bytes of a reply
/// (version, opcode, domain, volume) against its request.
///
/// An empty slot is any slot whose first byte is 0x00 (VDSM never looks further). A clean
/// message is 64 bytes of 0x01: the host writes it over a request it no longer waits for, and
/// the SPM answers by writing it into the outbox slot. Sizes are at most 0xFFFFFFFF MiB
/// (VOLUME_MAX_SIZE).
/// </summary>
public sealed record MailboxMessage
{
    public const byte Version = (byte)'1';
    public const byte CleanByte = 0x01;
    public const long MaxSizeMiB = 0xFFFFFFFF;

    /// <summary>"xtnd" (EXTEND_CODE).</summary>
    public static ReadOnlySpan<byte> ExtendCode => "xtnd"u8;

    public static readonly MailboxMessage Empty = new(MailboxMessageKind.Empty, Guid.Empty, Guid.Empty, 0);

    public static readonly MailboxMessage Clean = new(MailboxMessageKind.Clean, Guid.Empty, Guid.Empty, 0);

    private MailboxMessage(MailboxMessageKind kind, Guid domain, Guid volume, long sizeMiB)
    {
        Kind = kind;
        Domain = domain;
        Volume = volume;
        SizeMiB = sizeMiB;
    }

    public MailboxMessageKind Kind { get; }

    public Guid Domain { get; }

    public Guid Volume { get; }

    /// <summary>A request's wanted size, or a reply's extended size (0 = failed), in MiB.</summary>
    public long SizeMiB { get; }

    /// <summary>An <c>xtnd</c> message.</summary>
    public static MailboxMessage Extend(Guid domain, Guid volume, long sizeMiB)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeMiB);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sizeMiB, MaxSizeMiB);
        return new MailboxMessage(MailboxMessageKind.Extend, domain, volume, sizeMiB);
    }

    /// <summary>The same request with another size: how a reply is made from its request.</summary>
    public MailboxMessage WithSize(long sizeMiB) =>
        Kind == MailboxMessageKind.Extend
            ? Extend(Domain, Volume, sizeMiB)
            : throw new InvalidOperationException($"a {Kind} message has no size");

    /// <summary>True when <paramref name="other"/> is an xtnd for the same domain and volume (a reply to this request).</summary>
    public bool SameVolume(MailboxMessage other) =>
        other is not null && Kind == MailboxMessageKind.Extend && other.Kind == MailboxMessageKind.Extend
        && Domain == other.Domain && Volume == other.Volume;

    /// <summary>
    /// Parses one slot. False for bytes that are none of empty, clean or a well-formed xtnd
    /// (another version or opcode, non-hex size digits, a size above the maximum).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> slot, out MailboxMessage message)
    {
        message = Empty;
        if (slot.Length < MailboxLayout.MessageSize)
        {
            throw new InvalidDataException($"a mailbox message is {MailboxLayout.MessageSize} bytes, got {slot.Length}");
        }

        slot = slot[..MailboxLayout.MessageSize];
        if (slot[Offsets.Version] == 0)
        {
            return true;
        }

        if (!slot.ContainsAnyExcept(CleanByte))
        {
            message = Clean;
            return true;
        }

        if (slot[Offsets.Version] != Version || !slot[Offsets.Opcode..Offsets.Domain].SequenceEqual(ExtendCode))
        {
            return false;
        }

        var digits = slot[Offsets.Size..Offsets.Padding];
        if (!Utf8Parser.TryParse(digits, out ulong size, out int used, 'x') || used != SizeDigits || size > MaxSizeMiB)
        {
            return false;
        }

        message = new MailboxMessage(
            MailboxMessageKind.Extend,
            MailboxUuid.Read(slot[Offsets.Domain..]),
            MailboxUuid.Read(slot[Offsets.Volume..]),
            (long)size);
        return true;
    }

    /// <summary>Writes the 64 bytes of this message into the start of <paramref name="slot"/>.</summary>
    public void Write(Span<byte> slot)
    {
        slot = slot[..MailboxLayout.MessageSize];
        switch (Kind)
        {
            case MailboxMessageKind.Empty:
                slot.Clear();
                return;
            case MailboxMessageKind.Clean:
                slot.Fill(CleanByte);
                return;
        }

        slot[Offsets.Version] = Version;
        ExtendCode.CopyTo(slot[Offsets.Opcode..]);
        MailboxUuid.Write(Domain, slot[Offsets.Domain..]);
        MailboxUuid.Write(Volume, slot[Offsets.Volume..]);
        string digits = SizeMiB.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        Encoding.ASCII.GetBytes(digits, slot[Offsets.Size..Offsets.Padding]);
        slot[Offsets.Padding..Offsets.End].Fill(PaddingByte);
    }

    /// <summary>The 64 bytes, for comparisons and tests.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[MailboxLayout.MessageSize];
        Write(bytes);
        return bytes;
    }

    public override string ToString() => Kind switch
    {
        MailboxMessageKind.Extend => $"xtnd {Domain}/{Volume} {SizeMiB} MiB",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>ASCII '0': VDSM pads the message with ljust(MESSAGE_SIZE, b"0").</summary>
    public const byte PaddingByte = (byte)'0';

    /// <summary>The size field's width in hex digits (SIZE_CHARS).</summary>
    public const int SizeDigits = 16;

    /// <summary>Field offsets, each the previous offset plus the previous length.</summary>
    public static class Offsets
    {
        public const int Version = 0;
        public const int Opcode = Version + 1;
        public const int Domain = Opcode + 4;
        public const int Volume = Domain + MailboxUuid.Size;
        public const int Size = Volume + MailboxUuid.Size;
        public const int Padding = Size + SizeDigits;
        public const int End = MailboxLayout.MessageSize;
    }
}
