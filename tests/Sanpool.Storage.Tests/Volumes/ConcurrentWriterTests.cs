using System.Collections.Concurrent;
using Sanpool.Storage.Check;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// One writer, many operations at once (as the SPM's tasks run them): every live operation has
/// a journal slot of its own, an operation beyond the last free slot waits for one, and new
/// volumes made at once on a block domain never share a metadata slot.
/// </summary>
public sealed class ConcurrentWriterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("file")]
    [InlineData("block")]
    public async Task Operations_begun_at_once_never_share_a_journal_slot_and_the_seventeenth_waits_for_a_free_one(string kind)
    {
        await using var d = await TestDomain.CreateAsync(kind, 512, "slots");
        await using var store = await d.OpenAsync();
        var writer = await d.WriterAsync(store);
        var live = new ConcurrentDictionary<int, Guid>();
        int clashes = 0;
        int peak = 0;
        using var release = new SemaphoreSlim(0);

        async Task OperationAsync()
        {
            var entry = new JournalEntry { Id = Guid.NewGuid(), Operation = "test", Domain = writer.Domain };
            var journal = await writer.BeginAsync(entry, None);
            if (!live.TryAdd(journal.Slot, entry.Id))
            {
                Interlocked.Increment(ref clashes);
            }

            int now = live.Count;
            int seen;
            while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }

            await release.WaitAsync(None);
            // The slot holds this operation's entry, not another's.
            live.TryRemove(journal.Slot, out _);
            await journal.CompleteAsync(None);
        }

        var operations = Enumerable.Range(0, 40).Select(_ => Task.Run(OperationAsync)).ToList();
        await Until(() => live.Count == MasterArea.Journal.Slots);
        await Task.Delay(200);
        Assert.Equal(MasterArea.Journal.Slots, live.Count);
        Assert.Equal(MasterArea.Journal.Slots, writer.Slots.InUse);

        release.Release(40);
        await Task.WhenAll(operations).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, clashes);
        Assert.Equal(MasterArea.Journal.Slots, peak);
        Assert.Equal(0, writer.Slots.InUse);

        // Every slot is empty on storage again: a new writer finds nothing to recover.
        await writer.DisposeAsync();
        writer.Store.WriteFence = null;
        await using var again = await d.WriterAsync(store);
        Assert.Empty(again.Recovered);
    }

    [Fact]
    public async Task Images_created_at_once_on_a_block_domain_each_get_their_own_metadata_slot()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "mdslots");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        var specs = Enumerable.Range(0, 12)
            .Select(i => new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), (i + 1) << 24, VolumeFormat.COW, AllocationType.SPARSE) { Description = $"disk {i}" })
            .ToList();

        await Task.WhenAll(specs.Select(s => Task.Run(() => CreateImage.RunAsync(writer, s, None)))).WaitAsync(TimeSpan.FromMinutes(3));

        store.Refresh();
        var volumes = (await store.ListAsync(None)).ToDictionary(v => v.Volume);
        Assert.Equal(specs.Count, volumes.Values.Select(v => v.Slot).Distinct().Count());
        foreach (var spec in specs)
        {
            var md = await store.ReadMetadataAsync(volumes[spec.Volume], None);
            Assert.Equal(spec.Image, md.Image);
            Assert.Equal(spec.Capacity, md.Capacity);
            Assert.Equal(spec.Description, md.Description);
        }

        var findings = await DomainCheck.RunAsync(store, None);
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    /// <summary>
    /// A reader on the writer's host (image.prepare, domain.volumes) refreshes the store the SPM
    /// writes through while creations have claimed slots whose LVs do not exist yet; creations
    /// begun after the refresh read a report without those LVs and must still not take their slots.
    /// </summary>
    [Fact]
    public async Task A_reader_refreshing_the_writers_store_midway_never_lets_two_new_volumes_share_a_metadata_slot()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "mdrefresh");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        ImageSpec Spec(int i) => new(Guid.NewGuid(), Guid.NewGuid(), 1 << 24, VolumeFormat.COW, AllocationType.SPARSE) { Description = $"disk {i}" };

        // lvcreates run one at a time, so creations wait with their slots claimed; the reader
        // refreshes all along while new creations keep starting.
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                store.Refresh();
                await Task.Delay(5, None);
            }
        });
        var creating = new List<Task>();
        for (int i = 0; i < 12; i++)
        {
            var spec = Spec(i);
            creating.Add(Task.Run(() => CreateImage.RunAsync(writer, spec, None)));
            await Task.Delay(40);
        }

        await Task.WhenAll(creating).WaitAsync(TimeSpan.FromMinutes(3));
        await stop.CancelAsync();
        await reader;

        store.Refresh();
        var volumes = await store.ListAsync(None);
        Assert.Equal(12, volumes.Count);
        Assert.Equal(12, volumes.Select(v => v.Slot).Distinct().Count());
        var findings = await DomainCheck.RunAsync(store, None);
        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within a minute");
            await Task.Delay(20);
        }
    }
}
