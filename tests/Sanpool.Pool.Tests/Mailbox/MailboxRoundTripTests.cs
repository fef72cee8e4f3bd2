using System.Diagnostics;
using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Tests.Mailbox;

public sealed class MailboxRoundTripTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("memory")]
    [InlineData("file")]
    [InlineData("loop")]
    [InlineData("loop4096")]
    public async Task A_request_is_answered_with_the_size_the_handler_extended_to(string kind)
    {
        await using var rig = await MailboxRig.CreateAsync(kind);
        rig.Handler.Answer = (_, r) => r.NewSizeMiB + 128;
        rig.StartServer();
        var client = rig.Client(3);
        var request = new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 1024);
        var second = request with { NewSizeMiB = 2048 };

        var reply = await client.ExtendAsync(request, null, CancellationToken.None).WaitAsync(Patience);
        var watch = Stopwatch.StartNew();
        var again = await client.ExtendAsync(second, null, CancellationToken.None).WaitAsync(Patience);
        watch.Stop();

        Assert.Equal(1152, reply.SizeMiB);
        Assert.Same(request, reply.Request);
        Assert.Equal(2176, again.SizeMiB);
        Assert.Equal([(3, request), (3, second)], rig.Handler.Calls.ToArray());
        // No fixed polling period: far under VDSM's 2-4 s even on a busy shared machine
        // (a few ms when idle; see bench/results/mailbox.md).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"round trip took {watch.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(0, client.Outstanding);
    }

    [Fact]
    public async Task The_request_and_reply_are_vdsms_bytes_in_the_same_slot_and_the_slot_is_cleaned_after()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        var gate = new TaskCompletionSource();
        rig.Handler.Gate = gate;
        rig.StartServer();
        var client = rig.Client(250);
        var request = new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 4096);
        var pending = client.ExtendAsync(request, null, CancellationToken.None);

        await MailboxRig.EventuallyAsync(() => Task.FromResult(!rig.Handler.Calls.IsEmpty), Patience, "the SPM handles the request");
        var inbox = await rig.ReadAsync(MailboxArea.Inbox, 250);
        Assert.Equal(MailboxMessage.Extend(request.Domain, request.Volume, 4096).ToBytes(), inbox.Slot(0).ToArray());
        var evt = new byte[MailboxLayout.MailboxSize];
        await rig.Inbox.ReadAsync(0, evt);
        Assert.NotEqual(Guid.Empty, MailboxEvent.Read(evt).Id);

        gate.SetResult();
        var reply = await pending.WaitAsync(Patience);

        Assert.Equal(0, reply.Slot);
        await MailboxRig.EventuallyAsync(
            async () => (await rig.ReadAsync(MailboxArea.Outbox, 250)).Message(0) == MailboxMessage.Clean,
            Patience,
            "the SPM acknowledges the host's CLEAN with CLEAN in the outbox");
        Assert.Same(MailboxMessage.Clean, (await rig.ReadAsync(MailboxArea.Inbox, 250)).Message(0));
    }

    [Fact]
    public async Task A_failure_is_reported_and_the_request_waits_until_RetryFailedAsync_succeeds()
    {
        await using var rig = await MailboxRig.CreateAsync("memory");
        rig.Handler.Answer = (_, _) => 0;
        rig.StartServer();
        var client = rig.Client(1);
        var failures = new List<ExtendReply>();
        var progress = new SyncProgress(failures);
        var pending = client.ExtendAsync(new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 2048), progress, CancellationToken.None);

        await MailboxRig.EventuallyAsync(() => Task.FromResult(progress.Count > 0), Patience, "the failure reaches the host");
        // Two more full scans (every 500 ms here, later under load) see the unchanged slot again: it is not handed over again.
        long scans = rig.Server!.Scans;
        await MailboxRig.EventuallyAsync(() => Task.FromResult(rig.Server.Scans >= scans + 2), Patience, "two more full scans of the inbox");
        Assert.False(pending.IsCompleted);
        Assert.Equal(0, failures[0].SizeMiB);
        Assert.Single(rig.Handler.Calls);

        rig.Handler.Answer = (_, r) => r.NewSizeMiB;
        await rig.Server!.RetryFailedAsync(CancellationToken.None);
        var reply = await pending.WaitAsync(Patience);

        Assert.Equal(2048, reply.SizeMiB);
        Assert.Equal(2, rig.Handler.Calls.Count);
        Assert.Equal(1, progress.Count);
    }

    [Fact]
    public async Task An_unanswered_request_is_resent_into_another_slot_and_the_old_one_is_cleaned()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        rig.Options = rig.Options with { ResendInterval = TimeSpan.FromSeconds(1) };
        rig.Handler.Answer = (_, _) => 0;
        rig.StartServer();
        var client = rig.Client(9);
        var failures = new List<ExtendReply>();
        var progress = new SyncProgress(failures);
        var request = new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 512);
        var pending = client.ExtendAsync(request, progress, CancellationToken.None);

        await MailboxRig.EventuallyAsync(() => Task.FromResult(progress.Slots().Distinct().Count() >= 2), Patience, "a failure in a second slot");
        int[] slots = progress.Slots();
        var inbox = await rig.ReadAsync(MailboxArea.Inbox, 9);

        // The old slot no longer holds the request (CLEAN, or empty once the SPM acknowledged).
        Assert.NotEqual(MailboxMessageKind.Extend, inbox.Message(slots[0])!.Kind);
        Assert.Equal(MailboxMessageKind.Extend, inbox.Message(slots[^1])!.Kind);
        Assert.Equal(2, rig.Handler.Calls.Count);
        rig.Handler.Answer = (_, r) => r.NewSizeMiB;
        var reply = await pending.WaitAsync(Patience);

        Assert.Equal(512, reply.SizeMiB);
        Assert.Equal(3, rig.Handler.Calls.Count);
    }

    [Fact]
    public async Task Requests_for_one_volume_are_deduplicated_and_a_bigger_one_follows_the_first()
    {
        await using var rig = await MailboxRig.CreateAsync("memory");
        var gate = new TaskCompletionSource();
        rig.Handler.Gate = gate;
        rig.StartServer();
        var client = rig.Client(4);
        Guid domain = Guid.NewGuid(), volume = Guid.NewGuid();

        var a = client.ExtendAsync(new ExtendRequest(domain, volume, 1000), null, CancellationToken.None);
        await MailboxRig.EventuallyAsync(() => Task.FromResult(rig.Handler.Calls.Count == 1), Patience, "the first request is handled");
        var smaller = client.ExtendAsync(new ExtendRequest(domain, volume, 600), null, CancellationToken.None);
        var bigger = client.ExtendAsync(new ExtendRequest(domain, volume, 3000), null, CancellationToken.None);
        await Task.Delay(100);
        Assert.Equal(1, client.Outstanding);
        Assert.Single(rig.Handler.Calls);

        gate.SetResult();
        var ra = await a.WaitAsync(Patience);
        var rs = await smaller.WaitAsync(Patience);
        var rb = await bigger.WaitAsync(Patience);

        Assert.Equal(1000, ra.SizeMiB);
        Assert.Same(ra, rs);
        Assert.Equal(3000, rb.SizeMiB);
        Assert.Equal([1000L, 3000L], rig.Handler.Calls.Select(c => c.Request.NewSizeMiB).ToArray());
    }

    [Fact]
    public async Task A_bigger_request_is_not_sent_when_the_earlier_reply_already_covers_it()
    {
        await using var rig = await MailboxRig.CreateAsync("memory");
        var gate = new TaskCompletionSource();
        rig.Handler.Gate = gate;
        rig.Handler.Answer = (_, _) => 5000;
        rig.StartServer();
        var client = rig.Client(4);
        Guid domain = Guid.NewGuid(), volume = Guid.NewGuid();

        var a = client.ExtendAsync(new ExtendRequest(domain, volume, 1000), null, CancellationToken.None);
        await MailboxRig.EventuallyAsync(() => Task.FromResult(rig.Handler.Calls.Count == 1), Patience, "the first request is handled");
        var bigger = client.ExtendAsync(new ExtendRequest(domain, volume, 3000), null, CancellationToken.None);
        gate.SetResult();

        Assert.Equal(5000, (await bigger.WaitAsync(Patience)).SizeMiB);
        Assert.Single(rig.Handler.Calls);
        Assert.Equal(5000, (await a).SizeMiB);
    }

    [Fact]
    public async Task Cancelling_the_only_waiter_cleans_the_slot_and_the_SPM_acknowledges_it()
    {
        await using var rig = await MailboxRig.CreateAsync("file");
        rig.Handler.Gate = new TaskCompletionSource();
        rig.StartServer();
        var client = rig.Client(12);
        using var cancel = new CancellationTokenSource();
        var pending = client.ExtendAsync(new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 100), null, cancel.Token);
        await MailboxRig.EventuallyAsync(() => Task.FromResult(!rig.Handler.Calls.IsEmpty), Patience, "the SPM handles the request");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Same(MailboxMessage.Clean, (await rig.ReadAsync(MailboxArea.Inbox, 12)).Message(0));
        Assert.Equal(0, client.Outstanding);
        await MailboxRig.EventuallyAsync(
            async () => (await rig.ReadAsync(MailboxArea.Outbox, 12)).Message(0) == MailboxMessage.Clean,
            Patience,
            "the SPM acknowledges the CLEAN");
        rig.Handler.Gate.SetResult();
        await Task.Delay(100);
        // The handler's late answer is not written over the cleaned slot.
        Assert.Same(MailboxMessage.Clean, (await rig.ReadAsync(MailboxArea.Outbox, 12)).Message(0));
    }

    [Fact]
    public async Task Cancelling_one_of_two_waiters_keeps_the_request()
    {
        await using var rig = await MailboxRig.CreateAsync("memory");
        var gate = new TaskCompletionSource();
        rig.Handler.Gate = gate;
        rig.StartServer();
        var client = rig.Client(2);
        var request = new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 100);
        using var cancel = new CancellationTokenSource();
        var first = client.ExtendAsync(request, null, cancel.Token);
        var second = client.ExtendAsync(request, null, CancellationToken.None);
        await MailboxRig.EventuallyAsync(() => Task.FromResult(!rig.Handler.Calls.IsEmpty), Patience, "the SPM handles the request");

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.SetResult();

        Assert.Equal(100, (await second.WaitAsync(Patience)).SizeMiB);
        Assert.Single(rig.Handler.Calls);
    }

    [Fact]
    public async Task Many_volumes_of_one_host_use_different_slots_at_once()
    {
        await using var rig = await MailboxRig.CreateAsync("memory");
        rig.Options = rig.Options with { MaxConcurrentHandlers = 64 };
        var gate = new TaskCompletionSource();
        rig.Handler.Gate = gate;
        rig.StartServer();
        var client = rig.Client(5);
        var requests = Enumerable.Range(1, 63).Select(i => new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), i)).ToArray();

        var pending = requests.Select(r => client.ExtendAsync(r, null, CancellationToken.None)).ToArray();
        await MailboxRig.EventuallyAsync(() => Task.FromResult(rig.Handler.Calls.Count == 63), Patience, "63 requests handled at once");
        var full = await Assert.ThrowsAsync<Sanpool.Core.SanpoolException>(
            () => client.ExtendAsync(new ExtendRequest(Guid.NewGuid(), Guid.NewGuid(), 1), null, CancellationToken.None));
        gate.SetResult();
        var replies = await Task.WhenAll(pending).WaitAsync(Patience);

        Assert.Equal(MailboxErrors.MailboxFull, full.Code);
        Assert.True(full.IsTransient);
        Assert.Equal(63, replies.Select(r => r.Slot).Distinct().Count());
        Assert.Equal(requests.Select(r => r.NewSizeMiB), replies.Select(r => r.SizeMiB));
    }

    /// <summary>IProgress that records at once on the reporting thread (Progress&lt;T&gt; posts later).</summary>
    private sealed class SyncProgress(List<ExtendReply> replies) : IProgress<ExtendReply>
    {
        private readonly Lock _lock = new();

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return replies.Count;
                }
            }
        }

        public int[] Slots()
        {
            lock (_lock)
            {
                return [.. replies.Select(r => r.Slot)];
            }
        }

        public void Report(ExtendReply value)
        {
            lock (_lock)
            {
                replies.Add(value);
            }
        }
    }
}
