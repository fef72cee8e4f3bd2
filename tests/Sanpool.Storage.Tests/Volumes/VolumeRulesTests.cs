using Sanpool.Core;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// VDSM's volume rules on real domains: which pairs of format and allocation a domain takes, and
/// how generations move (GEN=0 when made, unchanged by snapshots and deletes around it, one up
/// for a merge into it, wrapping at 999).
/// </summary>
public sealed class VolumeRulesTests
{
    private const long MiB = 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Kinds => ["file", "block"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Raw_sparse_is_refused_on_a_block_domain_and_taken_on_a_file_domain(string kind)
    {
        await using var d = await TestDomain.CreateAsync(kind, 512, "rules");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        var spec = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 64 * MiB, VolumeFormat.RAW, AllocationType.SPARSE);

        if (kind == "block")
        {
            var error = await Assert.ThrowsAsync<SanpoolException>(() => CreateImage.RunAsync(writer, spec, None));
            Assert.Equal(CommonErrors.InvalidArgument, error.Code);
            Assert.Contains("RAW volumes on block domain", error.Message, StringComparison.Ordinal);
            Assert.Contains("must be preallocated", error.Message, StringComparison.Ordinal);
            Assert.Empty(await store.ListAsync(None));
        }
        else
        {
            await CreateImage.RunAsync(writer, spec, None);
            Assert.Equal(AllocationType.SPARSE, (await VolumeChainTests.ChainAsync(store, spec.Image)).Single().Md.Type);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_new_volume_has_GEN_0_a_snapshot_and_a_delete_leave_the_parent_s_and_a_merge_moves_the_base_on(string kind)
    {
        await using var d = await TestDomain.CreateAsync(kind, 512, "gen");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        var image = Guid.NewGuid();
        var baseVolume = Guid.NewGuid();
        await CreateImage.RunAsync(writer, new ImageSpec(image, baseVolume, 64 * MiB, VolumeFormat.COW, AllocationType.SPARSE), None);
        Assert.Equal(new[] { 0 }, await GenerationsAsync(store, image));

        var middle = await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        var top = await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        Assert.Equal(new[] { 0, 0, 0 }, await GenerationsAsync(store, image));

        await DeleteVolume.RunAsync(writer, image, top, None);
        Assert.Equal(new[] { 0, 0 }, await GenerationsAsync(store, image));

        await MergeVolumes.RunAsync(writer, image, baseVolume, middle, null, None);
        Assert.Equal(new[] { 1 }, await GenerationsAsync(store, image));

        // At 999 the next generation is 0, as in VDSM.
        var stored = (await VolumeChainTests.ChainAsync(store, image)).Single().Stored;
        await writer.Store.WriteMetadataAsync(stored, (await store.ReadMetadataAsync(stored, None)) with { Generation = VolumeMetadata.MaxGeneration }, None);
        var leaf = await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        Assert.Equal(new[] { 999, 0 }, await GenerationsAsync(store, image));
        await MergeVolumes.RunAsync(writer, image, baseVolume, leaf, null, None);
        Assert.Equal(new[] { 0 }, await GenerationsAsync(store, image));
    }

    private static async Task<int[]> GenerationsAsync(IDomainManifest store, Guid image) =>
        [.. (await VolumeChainTests.ChainAsync(store, image)).Select(v => v.Md.Generation)];
}
