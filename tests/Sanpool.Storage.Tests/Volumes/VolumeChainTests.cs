using Sanpool.Storage.Check;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// Chains built, merged and copied by the real operations on real storage, with data written
/// by qemu-io at every level and read back through the whole chain by qemu-img compare against
/// a flat reference file that got the same writes.
/// </summary>
public sealed class VolumeChainTests
{
    private const long MiB = 1024 * 1024;
    private const long Capacity = 64 * MiB;
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string, int> Kinds => VolumeTestKinds.All;

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Ten_snapshots_read_back_through_the_chain_after_every_snapshot_merge_and_copy(string kind, int sectorSize)
    {
        await using var d = await TestDomain.CreateAsync(kind, sectorSize, "chain");
        string reference = d.Scratch("reference.raw");
        await QemuImgAsync("create", "-f", "raw", reference, Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var image = Guid.NewGuid();
        var target = await d.AddDomainAsync(sectorSize);
        await using var store = await d.OpenAsync();
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), Capacity, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
            await WriteAsync(store, image, reference, level: 0);
            for (int level = 1; level <= 10; level++)
            {
                await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
                await WriteAsync(store, image, reference, level);
                await AssertReadsAsAsync(store, image, reference);
            }

            var chain = await ChainAsync(store, image);
            Assert.Equal(11, chain.Count);
            await MergeVolumes.RunAsync(writer, image, chain[5].Id, chain[6].Id, null, None);
            await AssertReadsAsAsync(store, image, reference);
            chain = await ChainAsync(store, image);
            await MergeVolumes.RunAsync(writer, image, chain[^2].Id, chain[^1].Id, null, None);
            await AssertReadsAsAsync(store, image, reference);
            Assert.Equal(9, (await ChainAsync(store, image)).Count);
            Assert.Empty(await DomainCheck.RunAsync(store, None));
        }

        await using var targetStore = await d.OpenAsync(target);
        await using (var writer = await d.WriterAsync(targetStore))
        {
            await CopyImage.RunAsync(store, image, writer, new CopyOptions(), null, None);
            var collapsed = Guid.NewGuid();
            await CopyImage.RunAsync(store, image, writer, new CopyOptions { Collapse = true, NewImage = collapsed }, null, None);
            await AssertReadsAsAsync(targetStore, image, reference);
            await AssertReadsAsAsync(targetStore, collapsed, reference);
            Assert.Single(await ChainAsync(targetStore, collapsed));
            Assert.Equal(9, (await ChainAsync(targetStore, image)).Count);
        }

        Assert.Empty(await DomainCheck.RunAsync(targetStore, None));
    }

    internal static async Task<IReadOnlyList<VolumeRecord>> ChainAsync(IDomainManifest store, Guid image) =>
        (await DomainInventory.LoadAsync(store, None)).ChainOf(image);

    /// <summary>Level n writes pattern n at n MiB (1 MiB long) and overwrites half of level n-1's range.</summary>
    private static async Task WriteAsync(IDomainManifest store, Guid image, string reference, int level)
    {
        var chain = await ChainAsync(store, image);
        string[] commands = [$"write -P {level + 1} {level}M 1M", $"write -P {level + 101} {level * 1024 - 512}k 512k"];
        await using (var prepared = await store.PrepareAsync([.. chain.Select(c => c.Stored)], None))
        {
            await QemuIoAsync(chain[^1].Md.Format == VolumeFormat.COW ? "qcow2" : "raw", prepared.PathOf(chain[^1].Id),
                level == 0 ? [commands[0]] : commands);
        }

        await QemuIoAsync("raw", reference, level == 0 ? [commands[0]] : commands);
    }

    internal static async Task AssertReadsAsAsync(IDomainManifest store, Guid image, string reference)
    {
        var chain = await ChainAsync(store, image);
        await using var prepared = await store.PrepareAsync([.. chain.Select(c => c.Stored)], None);
        var run = await ToolRunner.RunAsync("qemu-img",
            ["compare", "-f", chain[^1].Md.Format == VolumeFormat.COW ? "qcow2" : "raw", "-F", "raw", prepared.PathOf(chain[^1].Id), reference]);
        Assert.True(run.ExitCode == 0, $"image {image} of {store.Kind} domain reads differently from the reference: {run.StandardOutput}{run.StandardError}");
    }
}
