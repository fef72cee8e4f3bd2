using Sanpool.Pool.Resources;

namespace Sanpool.Pool.Tests.Resources;

/// <summary>The SPM's resource locks on their own: modes, queue order, refusals, cancellation, and no deadlock.</summary>
public sealed class ResourceManagerTests
{
    private static readonly Guid DomainA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid DomainB = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid Image1 = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Image2 = Guid.Parse("22222222-2222-2222-2222-222222222222");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ResourceRequest X(Guid domain, Guid image) => ResourceRequest.Exclusive(ResourceKey.OfImage(domain, image));

    private static ResourceRequest S(Guid domain, Guid image) => ResourceRequest.Shared(ResourceKey.OfImage(domain, image));

    [Fact]
    public void Shared_claims_hold_an_image_together_and_an_exclusive_one_waits_for_both()
    {
        var rm = new ResourceManager();
        using var reader1 = rm.Claim("reader 1", [S(DomainA, Image1)]);
        using var reader2 = rm.Claim("reader 2", [S(DomainA, Image1)]);
        Assert.True(reader1.IsGranted);
        Assert.True(reader2.IsGranted);

        using var writer = rm.Claim("writer", [X(DomainA, Image1)]);
        Assert.False(writer.IsGranted);
        Assert.Equal($"image {Image1} of domain {DomainA}, held by reader 1", writer.WaitingFor);
        reader1.Dispose();
        Assert.False(writer.IsGranted);
        Assert.Equal($"image {Image1} of domain {DomainA}, held by reader 2", writer.WaitingFor);
        reader2.Dispose();
        Assert.True(writer.IsGranted);
        Assert.Null(writer.WaitingFor);
    }

    [Fact]
    public void Claims_on_one_image_are_granted_in_the_order_they_were_made_and_a_reader_does_not_pass_a_waiting_writer()
    {
        var rm = new ResourceManager();
        var first = rm.Claim("task 1", [X(DomainA, Image1)]);
        var claims = Enumerable.Range(2, 5).Select(i => rm.Claim($"task {i}", [X(DomainA, Image1)])).ToList();
        var reader = rm.Claim("reader", [S(DomainA, Image1)]);
        Assert.True(first.IsGranted);
        Assert.All(claims, c => Assert.False(c.IsGranted));
        Assert.Equal($"image {Image1} of domain {DomainA}, held by task 1", claims[1].WaitingFor);
        Assert.Equal($"image {Image1} of domain {DomainA}, held by task 1", reader.WaitingFor);

        var order = new List<string>();
        var current = first;
        foreach (var next in claims)
        {
            current.Dispose();
            Assert.True(next.IsGranted);
            Assert.False(reader.IsGranted);
            order.Add(next.Owner);
            current = next;
        }

        current.Dispose();
        Assert.True(reader.IsGranted);
        Assert.Equal(["task 2", "task 3", "task 4", "task 5", "task 6"], order);
        reader.Dispose();
        Assert.Empty(rm.HoldersOf(ResourceKey.OfImage(DomainA, Image1)));
    }

    [Fact]
    public void A_claim_whose_image_is_free_still_waits_behind_an_earlier_claim_that_wants_it()
    {
        var rm = new ResourceManager();
        using var holder = rm.Claim("task 1", [X(DomainA, Image2)]);
        using var both = rm.Claim("task 2", [X(DomainA, Image1), X(DomainA, Image2)]);
        using var later = rm.Claim("task 3", [X(DomainA, Image1)]);
        Assert.False(both.IsGranted);
        Assert.False(later.IsGranted);
        Assert.Equal($"image {Image1} of domain {DomainA}, queued behind task 2", later.WaitingFor);
        holder.Dispose();
        Assert.True(both.IsGranted);
        Assert.False(later.IsGranted);
    }

    [Fact]
    public void Claims_on_different_images_of_one_domain_are_held_at_once_with_the_domain_shared()
    {
        var rm = new ResourceManager();
        var domain = ResourceRequest.Shared(ResourceKey.OfDomain(DomainA));
        using var one = rm.Claim("task 1", [domain, X(DomainA, Image1)]);
        using var two = rm.Claim("task 2", [domain, X(DomainA, Image2)]);
        Assert.True(one.IsGranted);
        Assert.True(two.IsGranted);

        // A detach wants the domain to itself: refused now, naming a task in the way.
        var detach = rm.TryClaim("detach", [ResourceRequest.Exclusive(ResourceKey.OfDomain(DomainA))], out string? blocker);
        Assert.Null(detach);
        Assert.Equal($"domain {DomainA}, held by task 1", blocker);
    }

    [Fact]
    public void TryClaim_refuses_a_busy_image_naming_the_holder_and_takes_nothing()
    {
        var rm = new ResourceManager();
        using var holder = rm.Claim("task T (snapshot.create)", [X(DomainA, Image1)]);
        var refused = rm.TryClaim("task U (image.merge)", [X(DomainA, Image2), X(DomainA, Image1)], out string? blocker);
        Assert.Null(refused);
        Assert.Equal($"image {Image1} of domain {DomainA}, held by task T (snapshot.create)", blocker);
        // Image 2 was free, but nothing of the refused claim is held.
        Assert.Empty(rm.HoldersOf(ResourceKey.OfImage(DomainA, Image2)));

        // A TryClaim that gets its resources is granted at once.
        var free = rm.TryClaim("task X", [X(DomainB, Image2)], out blocker);
        Assert.NotNull(free);
        Assert.Null(blocker);
        Assert.True(free.IsGranted);
        Assert.True(free.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        free.Dispose();

        // Nor does TryClaim pass a claim that waits: the queue is fair to it.
        using var waiting = rm.Claim("task V", [X(DomainA, Image1)]);
        holder.Dispose();
        Assert.True(waiting.IsGranted);
        Assert.Null(rm.TryClaim("task W", [S(DomainA, Image1)], out blocker));
        Assert.Equal($"image {Image1} of domain {DomainA}, held by task V", blocker);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_queue_and_lets_the_claims_behind_it_in()
    {
        var rm = new ResourceManager();
        var holder = rm.Claim("holder", [S(DomainA, Image1)]);
        var writer = rm.Claim("writer", [X(DomainA, Image1)]);
        var reader = rm.Claim("reader", [S(DomainA, Image1)]);
        Assert.False(reader.IsGranted);

        using var cancel = new CancellationTokenSource();
        var waiting = writer.WaitAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.True(reader.IsGranted);
        Assert.Equal(0, rm.WaitingCount);
        holder.Dispose();
        reader.Dispose();
        Assert.Empty(rm.HoldersOf(ResourceKey.OfImage(DomainA, Image1)));
    }

    [Fact]
    public async Task Two_copies_each_reading_what_the_other_writes_never_deadlock()
    {
        // Copy 1 reads image 1 on A and writes image 2 on B; copy 2 reads image 2 on B and writes
        // image 1 on A. Taken one at a time in the order each names them, each would hold its
        // source and wait for the other's: a cycle. Granted whole, one runs, then the other.
        var rm = new ResourceManager();
        for (int round = 0; round < 200; round++)
        {
            var copies = new[]
            {
                Task.Run(() => HoldBrieflyAsync(rm, "copy 1", [S(DomainA, Image1), X(DomainB, Image2)])),
                Task.Run(() => HoldBrieflyAsync(rm, "copy 2", [S(DomainB, Image2), X(DomainA, Image1)])),
            };
            await Task.WhenAll(copies).WaitAsync(Patience);
        }

        Assert.Equal(0, rm.WaitingCount);
    }

    [Fact]
    public async Task Many_claimants_on_overlapping_images_never_hold_an_image_exclusively_together()
    {
        var rm = new ResourceManager();
        Guid[] images = [.. Enumerable.Range(0, 4).Select(_ => Guid.NewGuid())];
        var inside = new int[images.Length];
        int violations = 0;
        var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int i = 0; i < 100; i++)
            {
                int a = random.Next(images.Length), b = random.Next(images.Length);
                using var claim = rm.Claim($"worker {w}", [X(DomainA, images[a]), S(DomainA, images[b])]);
                await claim.WaitAsync(CancellationToken.None);
                if (Interlocked.Increment(ref inside[a]) != 1)
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                Interlocked.Decrement(ref inside[a]);
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, violations);
        Assert.Equal(0, rm.WaitingCount);
    }

    [Fact]
    public void A_claim_naming_one_image_twice_holds_it_in_the_stronger_mode_and_keys_sort_domain_first()
    {
        var rm = new ResourceManager();
        using var claim = rm.Claim("copy in place", [S(DomainB, Image1), X(DomainB, Image1), ResourceRequest.Shared(ResourceKey.OfDomain(DomainB)), S(DomainA, Image2)]);
        Assert.Equal(
            [S(DomainA, Image2), ResourceRequest.Shared(ResourceKey.OfDomain(DomainB)), X(DomainB, Image1)],
            claim.Requests);
    }

    private static async Task HoldBrieflyAsync(ResourceManager rm, string owner, ResourceRequest[] requests)
    {
        using var claim = rm.Claim(owner, requests);
        await claim.WaitAsync(CancellationToken.None);
        await Task.Yield();
    }
}
