using Sanpool.Storage.Mailbox;

namespace Sanpool.Storage.Tests.Mailbox;

public sealed class MailboxEventTests
{
    [Fact]
    public void The_event_block_is_the_code_then_the_rfc_uuid_then_zeros()
    {
        var block = new MailboxEvent(MailboxGolden.EventId).ToBytes();

        Assert.Equal(4096, block.Length);
        Assert.Equal(new byte[] { 0, (byte)'e', (byte)'v', (byte)'t' }, block[..4]);
        Assert.Equal(MailboxGolden.EventIdBytes, block[4..20]);
        Assert.All(block[20..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Reading_gives_the_id_and_a_zero_block_is_the_empty_event()
    {
        Assert.Equal(MailboxGolden.EventId, MailboxEvent.Read(new MailboxEvent(MailboxGolden.EventId).ToBytes()).Id);
        Assert.Equal(Guid.Empty, MailboxEvent.Read(new byte[4096]).Id);
    }

    [Fact]
    public void The_event_block_reads_as_an_empty_mailbox_so_a_scan_finds_no_mail_there()
    {
        var block = MailboxEvent.NewEvent().ToBytes();

        Assert.True(MailboxMessage.TryRead(block.AsSpan(0, 64), out var m));
        Assert.Equal(MailboxMessageKind.Empty, m.Kind);
    }
}
