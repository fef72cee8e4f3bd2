using System.Buffers.Binary;
using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Tests.Mailbox;

/// <summary>
/// Each side against the other side's VDSM behaviour, written as raw bytes: a VDSM host's
/// mailbox (as HSM_MailMonitor._sendMail writes it) served by our SPM, and our host served by
/// an SPM that writes replies the way VDSM's SPM_MailMonitor.sendReply does (no checksum).
/// </summary>
public sealed class MailboxVdsmInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    // VDSM's payload for domain 00112233-4455-6677-8899-aabbccddeeff, volume
    // 5e2d6b1c-7f3a-4c21-9b0e-123456789abc, 3584 MiB (see the storage tests' MailboxGolden).
    private static readonly byte[] VdsmRequest = Convert.FromHexString(
        "3178746e64ffeeddccbbaa99887766554433221100bc9a785634120e9b214c3a7f1c6b2d5e"
        + "30303030303030303030303030653030" + "3030303030303030303030");

    [Fact]
    public async Task Our_SPM_serves_a_mailbox_written_as_a_vdsm_host_writes_it()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        var mailbox = new byte[MailboxLayout.MailboxSize];
        VdsmRequest.CopyTo(mailbox, 2 * MailboxLayout.MessageSize);
        uint sum = 0;
        foreach (byte b in mailbox.AsSpan(0, 4092))
        {
            sum += b;
        }

        BinaryPrimitives.WriteInt32LittleEndian(mailbox.AsSpan(4092), (int)sum); // struct.pack('<l', ...)
        await rig.Inbox.WriteAsync(MailboxLayout.MailboxOffset(17), mailbox);
        rig.StartServer();

        await MailboxRig.EventuallyAsync(
            async () => (await rig.ReadAsync(MailboxArea.Outbox, 17)).Message(2)?.Kind == MailboxMessageKind.Extend,
            Patience,
            "a reply in slot 2 of host 17's outbox mailbox");
        var reply = new byte[MailboxLayout.MailboxSize];
        await rig.Outbox.ReadAsync(MailboxLayout.MailboxOffset(17), reply);
        var (host, request) = Assert.Single(rig.Handler.Calls);

        Assert.Equal(17, host);
        Assert.Equal(new ExtendRequest(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), Guid.Parse("5e2d6b1c-7f3a-4c21-9b0e-123456789abc"), 3584), request);
        // VDSM's checkReply compares the first 37 bytes (version, opcode, domain, volume) with its request.
        Assert.Equal(VdsmRequest[..37], reply.AsSpan(128, 37).ToArray());
        Assert.Equal(VdsmRequest, reply.AsSpan(128, 64).ToArray());
    }

    [Fact]
    public async Task Our_host_accepts_a_reply_written_as_vdsms_spm_writes_it_without_a_checksum()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        var client = rig.Client(5);
        var request = new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 2560);
        var pending = client.ExtendAsync(request, null, CancellationToken.None);

        // A VDSM SPM: read the host's request, copy it into the outbox as the reply, checksum field left 0.
        HostMailbox? inbox = null;
        await MailboxRig.EventuallyAsync(
            async () => (inbox = await rig.ReadAsync(MailboxArea.Inbox, 5)).Message(0)?.Kind == MailboxMessageKind.Extend,
            Patience,
            "the host's request");
        var outbox = new byte[MailboxLayout.MailboxSize];
        inbox!.Slot(0).CopyTo(outbox);
        await rig.Outbox.WriteAsync(MailboxLayout.MailboxOffset(5), outbox);

        var reply = await pending.WaitAsync(Patience);
        Assert.Equal(2560, reply.SizeMiB);
        Assert.Same(MailboxMessage.Clean, (await rig.ReadAsync(MailboxArea.Inbox, 5)).Message(0));
    }
}
