using Sanpool.Storage.Mailbox;
using Sanpool.Storage.Tests.Volumes;

namespace Sanpool.Storage.Tests.Mailbox;

/// <summary>The inbox and outbox of real domains (needs root for the block one: loop devices).</summary>
public sealed class MailboxAreaTests
{
    [Theory]
    [InlineData("file", 512)]
    [InlineData("file", 4096)]
    [InlineData("block", 512)]
    [InlineData("block", 4096)]
    public async Task A_new_domains_mailbox_areas_hold_16_MiB_of_zeros_and_keep_what_is_written(string kind, int sectorSize)
    {
        await using var d = await TestDomain.CreateAsync(kind, sectorSize, "mailbox");
        await using var store = await d.OpenAsync();
        await using var inbox = await store.OpenMailboxAsync(MailboxArea.Inbox, CancellationToken.None);
        await using var outbox = await store.OpenMailboxAsync(MailboxArea.Outbox, CancellationToken.None);

        // A block domain's LVs are whole extents (128 MiB); only the first 16 MiB are the area.
        Assert.True(inbox.Size >= MailboxLayout.AreaSize, $"inbox of {inbox.Size} bytes");
        Assert.True(outbox.Size >= MailboxLayout.AreaSize, $"outbox of {outbox.Size} bytes");
        var all = new byte[MailboxLayout.AreaSize];
        await inbox.ReadAsync(0, all);
        Assert.DoesNotContain(all, b => b != 0);

        var mailbox = HostMailbox.Empty.With(3, MailboxMessage.Extend(Guid.NewGuid(), Guid.NewGuid(), 1024));
        await inbox.WriteAsync(MailboxLayout.MailboxOffset(250), mailbox.ToBytes());
        var back = new byte[MailboxLayout.MailboxSize];
        await inbox.ReadAsync(MailboxLayout.MailboxOffset(250), back);
        Assert.Equal(1024, HostMailbox.Read(back, 250).Message(3)!.SizeMiB);

        // The two areas are distinct storage.
        await outbox.ReadAsync(MailboxLayout.MailboxOffset(250), back);
        Assert.True(HostMailbox.Read(back, 250).IsEmpty);
    }
}
