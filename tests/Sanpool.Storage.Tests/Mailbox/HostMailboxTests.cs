using System.Buffers.Binary;
using Sanpool.Core;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Storage.Tests.Mailbox;

public sealed class HostMailboxTests
{
    private static HostMailbox Sample() =>
        HostMailbox.Empty
            .With(0, MailboxMessage.Extend(MailboxGolden.Domain, MailboxGolden.Volume, MailboxGolden.SizeMiB))
            .With(5, MailboxMessage.Clean);

    [Fact]
    public void The_layout_constants_are_vdsms()
    {
        Assert.Equal(64, MailboxLayout.MessageSize);
        Assert.Equal(4096, MailboxLayout.MailboxSize);
        Assert.Equal(63, MailboxLayout.MessagesPerMailbox);
        Assert.Equal(4092, MailboxLayout.ChecksumOffset);
        Assert.Equal(4095, MailboxLayout.MaxHostIdCapacity);
        Assert.Equal(250L * 4096, MailboxLayout.MailboxOffset(250));
        Assert.Equal(62 * 64, MailboxLayout.SlotOffset(62));
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxLayout.SlotOffset(63));
    }

    [Fact]
    public void The_checksum_is_vdsms_little_endian_byte_sum()
    {
        var bytes = Sample().ToBytes();

        Assert.Equal(MailboxGolden.ChecksumOfExtendAndClean, bytes[4092..]);
        Assert.Equal(MailboxGolden.ChecksumOfExtendAndCleanValue, Sample().Checksum);
        Assert.Equal(MailboxGolden.Extend, bytes[..64]);
        Assert.All(bytes[64..320], b => Assert.Equal(0, b));
        Assert.All(bytes[320..384], b => Assert.Equal(1, b));
    }

    [Fact]
    public void An_all_zero_mailbox_is_valid_and_empty()
    {
        var m = HostMailbox.Read(new byte[4096]);

        Assert.True(m.IsEmpty);
        Assert.Equal(0u, m.Checksum);
        Assert.False(Sample().IsEmpty);
    }

    [Fact]
    public void A_read_keeps_every_slot_and_parses_known_messages()
    {
        var m = HostMailbox.Read(Sample().ToBytes(), hostId: 7);

        Assert.Equal(MailboxGolden.SizeMiB, m.Message(0)!.SizeMiB);
        Assert.Same(MailboxMessage.Clean, m.Message(5));
        Assert.Equal(MailboxMessageKind.Empty, m.Message(62)!.Kind);
    }

    [Theory]
    [InlineData(MailboxMessage.Offsets.Version)] // slot 0's version byte
    [InlineData(MailboxMessage.Offsets.Size + 3)] // one of slot 0's size digits
    [InlineData((62 * MailboxLayout.MessageSize) + MailboxMessage.Offsets.Domain)] // inside the last (empty) message slot
    [InlineData(MailboxLayout.MetadataOffset)] // the reserved bytes
    [InlineData(MailboxLayout.ChecksumOffset)] // the checksum's low byte
    [InlineData(MailboxLayout.ChecksumOffset + 3)] // the checksum's high byte
    public void A_flipped_byte_anywhere_is_a_checksum_mismatch(int offset)
    {
        var bytes = Sample().ToBytes();
        bytes[offset] ^= 0x10;

        var e = Assert.Throws<SanpoolException>(() => HostMailbox.Read(bytes, hostId: 7));

        Assert.Equal(MailboxErrors.ChecksumMismatch, e.Code);
        Assert.Contains("host 7", e.Message, StringComparison.Ordinal);
        Assert.False(HostMailbox.HasValidChecksum(bytes));
    }

    [Fact]
    public void A_torn_mailbox_whose_checksum_was_not_updated_is_refused()
    {
        // A writer that changed a message but died before its checksum landed (both are in one
        // 4 KiB write, but not in one 512-byte sector).
        var bytes = Sample().ToBytes();
        MailboxMessage.Clean.Write(bytes.AsSpan(64));

        Assert.Equal(MailboxErrors.ChecksumMismatch, Assert.Throws<SanpoolException>(() => HostMailbox.Read(bytes)).Code);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4092), HostMailbox.ComputeChecksum(bytes));
        Assert.Same(MailboxMessage.Clean, HostMailbox.Read(bytes).Message(1));
    }

    [Fact]
    public void A_reply_mailbox_without_checksum_as_vdsms_spm_writes_it_is_accepted_but_a_wrong_one_is_not()
    {
        var bytes = Sample().ToBytes();
        bytes.AsSpan(4092).Clear();

        Assert.Equal(MailboxGolden.SizeMiB, HostMailbox.ReadReply(bytes).Message(0)!.SizeMiB);
        Assert.Throws<SanpoolException>(() => HostMailbox.Read(bytes));
        bytes[4092] = 1;
        Assert.Equal(MailboxErrors.ChecksumMismatch, Assert.Throws<SanpoolException>(() => HostMailbox.ReadReply(bytes)).Code);
    }

    [Fact]
    public void With_leaves_the_original_unchanged()
    {
        var a = Sample();
        var b = a.With(0, MailboxMessage.Empty);

        Assert.Equal(MailboxMessageKind.Extend, a.Message(0)!.Kind);
        Assert.Equal(MailboxMessageKind.Empty, b.Message(0)!.Kind);
        Assert.True(HostMailbox.HasValidChecksum(b.ToBytes()));
    }

    [Fact]
    public void Short_input_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => HostMailbox.Read(new byte[4095]));
    }
}
