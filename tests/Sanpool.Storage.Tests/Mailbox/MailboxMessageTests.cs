using Sanpool.Storage.Mailbox;

namespace Sanpool.Storage.Tests.Mailbox;

public sealed class MailboxMessageTests
{
    [Fact]
    public void An_xtnd_message_has_vdsms_bytes()
    {
        var bytes = MailboxMessage.Extend(MailboxGolden.Domain, MailboxGolden.Volume, MailboxGolden.SizeMiB).ToBytes();

        Assert.Equal(Convert.ToHexString(MailboxGolden.Extend), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Vdsms_xtnd_bytes_read_back_as_the_request()
    {
        Assert.True(MailboxMessage.TryRead(MailboxGolden.Extend, out var m));

        Assert.Equal(MailboxMessageKind.Extend, m.Kind);
        Assert.Equal(MailboxGolden.Domain, m.Domain);
        Assert.Equal(MailboxGolden.Volume, m.Volume);
        Assert.Equal(MailboxGolden.SizeMiB, m.SizeMiB);
    }

    [Fact]
    public void The_fields_sit_at_vdsms_offsets()
    {
        Assert.Equal(1, MailboxMessage.Offsets.Opcode);
        Assert.Equal(5, MailboxMessage.Offsets.Domain);
        Assert.Equal(21, MailboxMessage.Offsets.Volume);
        Assert.Equal(37, MailboxMessage.Offsets.Size);
        Assert.Equal(53, MailboxMessage.Offsets.Padding);
        Assert.Equal(11, MailboxMessage.Offsets.End - MailboxMessage.Offsets.Padding);
    }

    [Fact]
    public void A_clean_message_is_64_bytes_of_0x01()
    {
        Assert.Equal(Enumerable.Repeat((byte)1, 64).ToArray(), MailboxMessage.Clean.ToBytes());
        Assert.True(MailboxMessage.TryRead(Enumerable.Repeat((byte)1, 64).ToArray(), out var m));
        Assert.Same(MailboxMessage.Clean, m);
    }

    [Fact]
    public void A_slot_whose_first_byte_is_zero_is_empty_whatever_follows()
    {
        var bytes = (byte[])MailboxGolden.Extend.Clone();
        bytes[0] = 0;

        Assert.True(MailboxMessage.TryRead(bytes, out var m));
        Assert.Equal(MailboxMessageKind.Empty, m.Kind);
        Assert.Equal(new byte[64], MailboxMessage.Empty.ToBytes());
    }

    [Fact]
    public void A_reply_is_the_request_with_the_new_size_and_failure_is_size_zero()
    {
        var request = MailboxMessage.Extend(MailboxGolden.Domain, MailboxGolden.Volume, MailboxGolden.SizeMiB);
        var failed = request.WithSize(0).ToBytes();
        var done = request.WithSize(0xFFFFFFFF).ToBytes();

        Assert.Equal(MailboxGolden.Extend[..37], failed[..37]);
        Assert.Equal("0000000000000000"u8.ToArray(), failed[37..53]);
        Assert.Equal("00000000ffffffff"u8.ToArray(), done[37..53]);
        Assert.True(request.SameVolume(MailboxMessage.Extend(MailboxGolden.Domain, MailboxGolden.Volume, 1)));
        Assert.False(request.SameVolume(MailboxMessage.Extend(MailboxGolden.Volume, MailboxGolden.Domain, MailboxGolden.SizeMiB)));
    }

    [Theory]
    [InlineData(0, (byte)'2')] // another version
    [InlineData(1, (byte)'X')] // another opcode
    [InlineData(40, (byte)'g')] // a size digit that is not hex
    [InlineData(63, 0x01)] // not padding, but a clean message has 0x01 everywhere: still not clean
    public void Bytes_that_are_no_known_message_do_not_parse(int offset, byte value)
    {
        var bytes = (byte[])MailboxGolden.Extend.Clone();
        bytes[offset] = value;

        bool parsed = MailboxMessage.TryRead(bytes, out var m);

        if (offset == 63)
        {
            // VDSM ignores the padding; so do we.
            Assert.True(parsed);
            Assert.Equal(MailboxGolden.SizeMiB, m.SizeMiB);
        }
        else
        {
            Assert.False(parsed);
        }
    }

    [Fact]
    public void Uppercase_size_digits_are_read_as_vdsms_int_x_16_reads_them()
    {
        var bytes = (byte[])MailboxGolden.Extend.Clone();
        bytes[50] = (byte)'E';

        Assert.True(MailboxMessage.TryRead(bytes, out var m));
        Assert.Equal(MailboxGolden.SizeMiB, m.SizeMiB);
    }

    [Fact]
    public void Sizes_beyond_vdsms_maximum_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxMessage.Extend(Guid.Empty, Guid.Empty, 0x1_0000_0000));
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxMessage.Extend(Guid.Empty, Guid.Empty, -1));
        var bytes = MailboxMessage.Extend(MailboxGolden.Domain, MailboxGolden.Volume, 1).ToBytes();
        "0000000100000000"u8.CopyTo(bytes.AsSpan(37));
        Assert.False(MailboxMessage.TryRead(bytes, out _));
    }
}
