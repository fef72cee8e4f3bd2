using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// A block store keeps its LVM report up to date with its own changes instead of reading the
/// whole VG again after each: what it lists and the extent maps it opens must be what a store
/// opened afresh reads from LVM. Needs root, lvm2 and loop devices.
/// </summary>
public sealed class BlockVolumeStoreViewTests
{
    private const long GiB = 1024L * 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task After_create_snapshot_extend_merge_and_delete_the_writer_sees_what_a_fresh_store_reads(int sectorSize)
    {
        await using var d = await TestDomain.CreateAsync("block", sectorSize, "view");
        var image = Guid.NewGuid();
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), GiB, VolumeFormat.COW, AllocationType.SPARSE), None);
        for (int i = 0; i < 3; i++)
        {
            await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        }

        await AssertSameAsFreshAsync(d, store);
        var chain = await VolumeChainTests.ChainAsync(store, image);
        await writer.Store.ExtendAsync(chain[1].Stored, 3 * 128 * 1024 * 1024, None);
        await AssertSameAsFreshAsync(d, store);
        await MergeVolumes.RunAsync(writer, image, chain[1].Id, chain[2].Id, null, None);
        await AssertSameAsFreshAsync(d, store);
        await DeleteVolume.RunAsync(writer, image, chain[^1].Id, None);
        await AssertSameAsFreshAsync(d, store);
        Assert.Equal(2, (await VolumeChainTests.ChainAsync(store, image)).Count);
    }

    [Fact]
    public async Task Space_a_delete_frees_can_be_allocated_again_by_the_same_writer()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "room");
        var lvm = new LvmCommand(new LvmOptions([.. d.Devices]));
        long free = (await lvm.VgsAsync(d.Uuid.ToString(), None)).Single().Free;
        var first = Guid.NewGuid();
        await using (var store = await d.OpenAsync())
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateImage.RunAsync(writer, new ImageSpec(first, Guid.NewGuid(), free, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
        }

        // A store opened while the VG is full, then a delete and a create of the same size:
        // the free-space check must count the space the delete gave back.
        await using (var store = await d.OpenAsync())
        await using (var writer = await d.WriterAsync(store))
        {
            var volume = (await VolumeChainTests.ChainAsync(store, first)).Single().Id;
            await DeleteVolume.RunAsync(writer, first, volume, None);
            await CreateImage.RunAsync(writer, new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), free, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
            var full = await Assert.ThrowsAsync<Core.SanpoolException>(() =>
                CreateImage.RunAsync(writer, new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), GiB, VolumeFormat.RAW, AllocationType.PREALLOCATED), None));
            Assert.Equal(LvmErrors.VgFull, full.Code);
            Assert.Contains("has 0 GiB free", full.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await lvm.VgsAsync(d.Uuid.ToString(), None)).Single().Free);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Records_read_together_are_those_read_one_by_one_errors_included(int sectorSize)
    {
        await using var d = await TestDomain.CreateAsync("block", sectorSize, "records");
        await using var store = await d.OpenAsync();
        await using (var writer = await d.WriterAsync(store))
        {
            var image = Guid.NewGuid();
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), GiB, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
            await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        }

        // Real volumes, then slots no volume uses (blank), far apart (other runs), past the
        // metadata LV's end (unreadable), and a volume without an MD_ tag.
        var volumes = (await store.ListAsync(None)).ToList();
        volumes.AddRange(new[] { 3, 129, 130, 5000, 16_000, 40_000 }.Select(slot => Synthetic(slot)));
        volumes.Add(Synthetic(null));

        var together = await store.ReadRecordsAsync(volumes, None);
        Assert.Equal(volumes.Count, together.Count);
        for (int i = 0; i < volumes.Count; i++)
        {
            var (metadata, error) = await ReadOneAsync(store, volumes[i]);
            Assert.Same(volumes[i], together[i].Stored);
            Assert.Equal(metadata, together[i].Metadata);
            Assert.Equal(error, together[i].MetadataError);
        }

        Assert.Equal(2, together.Count(r => r.Metadata is not null));
    }

    private static StoredVolume Synthetic(int? slot) => new(Guid.NewGuid(), Guid.NewGuid(), 128 * 1024 * 1024, 128 * 1024 * 1024) { Slot = slot };

    private static async Task<(VolumeMetadata? Metadata, string? Error)> ReadOneAsync(IDomainManifest store, StoredVolume volume)
    {
        try
        {
            return (await store.ReadMetadataAsync(volume, None), null);
        }
        catch (Core.SanpoolException e)
        {
            return (null, e.Message);
        }
    }

    private static async Task AssertSameAsFreshAsync(TestDomain d, IDomainManifest store)
    {
        await using var fresh = await d.OpenAsync();
        var listed = await store.ListAsync(None);
        Assert.Equal(await fresh.ListAsync(None), listed);
        foreach (var volume in listed)
        {
            await using var mine = (LvBlockDevice)await store.OpenVolumeAsync(volume, readOnly: true, None);
            await using var theirs = (LvBlockDevice)await fresh.OpenVolumeAsync(volume, readOnly: true, None);
            Assert.Equal(theirs.Map.Ranges.ToArray(), mine.Map.Ranges.ToArray());
        }
    }
}
