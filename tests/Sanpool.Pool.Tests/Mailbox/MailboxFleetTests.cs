using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Tests.Mailbox;

/// <summary>Many hosts against one SPM, a corrupted mailbox and an SPM restart, on real O_DIRECT I/O.</summary>
public sealed class MailboxFleetTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("file")]
    [InlineData("loop")]
    public async Task Two_hundred_fifty_hosts_extending_at_once_are_each_answered_exactly_once(string kind)
    {
        await using var rig = await MailboxRig.CreateAsync(kind);
        rig.StartServer();
        var clients = Enumerable.Range(1, 250).Select(rig.Client).ToArray();
        var requests = clients.Select(c => new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 1000 + c.HostId)).ToArray();

        var replies = await Task.WhenAll(clients.Select((c, i) => c.ExtendAsync(requests[i], null, CancellationToken.None))).WaitAsync(Patience);

        for (int i = 0; i < clients.Length; i++)
        {
            Assert.Same(requests[i], replies[i].Request);
            Assert.Equal(1000 + clients[i].HostId, replies[i].SizeMiB);
        }

        var calls = rig.Handler.Calls.ToArray();
        Assert.Equal(250, calls.Length);
        Assert.Equal(250, calls.Select(c => (c.HostId, c.Request.Volume)).Distinct().Count());
        Assert.All(calls, c => Assert.Equal(requests[c.HostId - 1], c.Request));
    }

    [Fact]
    public async Task A_corrupted_mailbox_is_discarded_counted_and_logged_once_while_other_hosts_are_served()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        var bad = new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 777);
        var corrupt = HostMailbox.Empty.With(0, MailboxMessage.Extend(bad.Domain, bad.Volume, bad.NewSizeMiB)).ToBytes();
        corrupt[MailboxMessage.Offsets.Size + 3] ^= 0x01; // a size digit, checksum left as it was
        await rig.Inbox.WriteAsync(MailboxLayout.MailboxOffset(7), corrupt);
        rig.StartServer();
        var clients = new[] { 1, 2, 3, 8, 250 }.Select(rig.Client).ToArray();

        var replies = await Task.WhenAll(clients.Select(c =>
            c.ExtendAsync(new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 10), null, CancellationToken.None))).WaitAsync(Patience);
        for (int i = 0; i < 20; i++)
        {
            rig.Server!.Wake();
            await Task.Delay(10);
        }

        Assert.All(replies, r => Assert.Equal(10, r.SizeMiB));
        Assert.DoesNotContain(rig.Handler.Calls, c => c.HostId == 7);
        Assert.True(rig.Server!.ChecksumFailures(7) >= 10, $"{rig.Server.ChecksumFailures(7)} bad reads counted");
        Assert.Equal(0, rig.Server.ChecksumFailures(1));
        Assert.Equal(1, rig.ServerLog.Count(811));
        Assert.Contains("host 7", rig.ServerLog.Lines.Single(l => l.EventId == 811).Message, StringComparison.Ordinal);

        // Once host 7 writes a whole mailbox again, its request is served.
        await rig.Inbox.WriteAsync(MailboxLayout.MailboxOffset(7), HostMailbox.Empty.With(0, MailboxMessage.Extend(bad.Domain, bad.Volume, bad.NewSizeMiB)).ToBytes());
        rig.Server.Wake();
        await MailboxRig.EventuallyAsync(() => Task.FromResult(rig.Handler.CallsFor(7, bad.Volume) == 1), Patience, "host 7 served after repair");
    }

    [Fact]
    public async Task A_restarted_SPM_answers_the_pending_requests_and_handles_each_at_most_once_more()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        var first = new RecordingHandler();

        // The first SPM answers hosts 1..5 and dies while handling 6..10.
        rig.StartServer(new GatedForSome(first, h => h > 5));
        var clients = Enumerable.Range(1, 10).Select(rig.Client).ToArray();
        var requests = clients.Select(c => new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 100 * c.HostId)).ToArray();
        var pending = clients.Select((c, i) => c.ExtendAsync(requests[i], null, CancellationToken.None)).ToArray();
        await Task.WhenAll(pending.Take(5)).WaitAsync(Patience);
        await MailboxRig.EventuallyAsync(() => Task.FromResult(first.Calls.Count == 10), Patience, "the first SPM got all ten");
        await rig.StopServerAsync();
        Assert.All(pending.Skip(5), p => Assert.False(p.IsCompleted));

        rig.StartServer();
        var replies = await Task.WhenAll(pending).WaitAsync(Patience);

        Assert.Equal(requests.Select(r => r.NewSizeMiB), replies.Select(r => r.SizeMiB));
        for (int host = 6; host <= 10; host++)
        {
            Assert.Equal(1, rig.Handler.CallsFor(host, requests[host - 1].Volume));
        }

        // Hosts 1..5 had their answer and cleaned their slots: the new SPM never saw those as requests.
        Assert.All(rig.Handler.Calls, c => Assert.True(c.HostId > 5, $"host {c.HostId} handled again"));
    }

    /// <summary>Answers at once for some hosts and holds the others until cancelled (an SPM that dies mid-request).</summary>
    private sealed class GatedForSome(RecordingHandler inner, Func<int, bool> held) : IMailHandler
    {
        public async Task<long> ExtendAsync(int hostId, ExtendRequest request, CancellationToken cancellationToken)
        {
            inner.Calls.Enqueue((hostId, request));
            if (held(hostId))
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return inner.Answer(hostId, request);
        }
    }
}
