using Sanpool.Core;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// Safety rule 4 on the operation paths: a qcow2 header rewritten by a guest or an upload to
/// name something outside its chain is refused by snapshot, merge and copy before qemu-img
/// opens it, and the refused operation changes nothing. The headers are crafted natively on the
/// real volume (a file, or an LV's extents), as a guest with write access to the volume could.
/// </summary>
public sealed class UntrustedHeaderTests
{
    private const long MiB = 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Kinds => new() { "file", "block" };

    /// <summary>Backing names that must never reach qemu (name, format).</summary>
    private static (string Name, string? Format)[] Crafted(Guid otherImage, Guid otherVolume) =>
    [
        ($"../{otherImage}/{otherVolume}", "qcow2"),
        ("/etc/passwd", "raw"),
        ("nbd://127.0.0.1:10809/export", "raw"),
        ("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}", "raw"),
        (otherVolume.ToString(), "raw"),      // a real volume of the domain, but of another image
        ("", "raw"),
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Snapshot_merge_and_copy_refuse_a_header_that_leaves_the_chain_and_change_nothing(string kind)
    {
        await using var d = await TestDomain.CreateAsync(kind, 512, "untrusted");
        var target = await d.AddDomainAsync(512);
        await using var store = await d.OpenAsync();
        await using var targetStore = await d.OpenAsync(target);
        var image = Guid.NewGuid();
        var other = Guid.NewGuid();
        var otherVolume = Guid.NewGuid();
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 16 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
            await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
            await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
            await CreateImage.RunAsync(writer, new ImageSpec(other, otherVolume, 16 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
        }

        var chain = await VolumeChainTests.ChainAsync(store, image);
        var top = chain[2];
        var honest = await ReadHeaderAsync(store, top);
        foreach (var (name, format) in Crafted(other, otherVolume))
        {
            await WriteHeaderAsync(store, top, honest.WithBacking(name, format));
            await AssertRefusedAsync(d, store, targetStore, image, chain, name);
        }

        // The right parent named without a format would make qemu probe the parent: refused too.
        await WriteHeaderAsync(store, top, honest.WithBacking(chain[1].Id.ToString(), null));
        await AssertRefusedAsync(d, store, targetStore, image, chain, "(no format)");

        // The honest header back: every operation runs again.
        await WriteHeaderAsync(store, top, honest);
        await using (var writer = await d.WriterAsync(store))
        {
            await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
            await MergeVolumes.RunAsync(writer, image, chain[1].Id, chain[2].Id, null, None);
        }

        await using (var writer = await d.WriterAsync(targetStore))
        {
            await CopyImage.RunAsync(store, image, writer, new CopyOptions(), null, None);
        }

        Assert.Equal(3, (await VolumeChainTests.ChainAsync(targetStore, image)).Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_middle_layer_that_skips_its_parent_breaks_the_chain_before_qemu_runs(string kind)
    {
        await using var d = await TestDomain.CreateAsync(kind, 512, "untrusted");
        await using var store = await d.OpenAsync();
        var image = Guid.NewGuid();
        await using var writer = await d.WriterAsync(store);
        await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 16 * MiB, VolumeFormat.COW, AllocationType.SPARSE), None);
        await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        var chain = await VolumeChainTests.ChainAsync(store, image);

        // chain[2] names the base directly: a UUID of its own chain, but not its parent.
        await WriteHeaderAsync(store, chain[2], (await ReadHeaderAsync(store, chain[2])).WithBacking(chain[0].Id.ToString(), "qcow2"));
        var e = await Assert.ThrowsAsync<SanpoolException>(() => CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None));
        Assert.Equal(StorageErrors.ChainBroken, e.Code);
        Assert.Contains($"sits on {chain[1].Id}", e.Message, StringComparison.Ordinal);

        // A base that names a volume above it: no volume below the base is allowed at all.
        await WriteHeaderAsync(store, chain[2], (await ReadHeaderAsync(store, chain[2])).WithBacking(chain[1].Id.ToString(), "qcow2"));
        await WriteHeaderAsync(store, chain[0], (await ReadHeaderAsync(store, chain[0])).WithBacking(chain[1].Id.ToString(), "qcow2"));
        e = await Assert.ThrowsAsync<SanpoolException>(() => MergeVolumes.RunAsync(writer, image, chain[1].Id, chain[2].Id, null, None));
        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains("names no volume of this image", e.Message, StringComparison.Ordinal);
        Assert.Equal(Ids(chain), Ids(await VolumeChainTests.ChainAsync(store, image)));
    }

    [Fact]
    public async Task A_volume_file_replaced_by_a_symlink_out_of_the_image_is_refused()
    {
        await using var d = await TestDomain.CreateAsync("file", 512, "untrusted");
        await using var store = await d.OpenAsync();
        var image = Guid.NewGuid();
        await using var writer = await d.WriterAsync(store);
        await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 16 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
        var chain = await VolumeChainTests.ChainAsync(store, image);
        string outside = d.Scratch("outside.raw");
        await File.WriteAllBytesAsync(outside, new byte[MiB]);
        string entry = Directory.GetFiles(d.Mount, chain[0].Id.ToString(), SearchOption.AllDirectories).Single();
        File.Delete(entry);
        File.CreateSymbolicLink(entry, outside);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None));
        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.Contains("outside the image directory", e.Message, StringComparison.Ordinal);
        Assert.Single(await VolumeChainTests.ChainAsync(store, image));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_guest_that_writes_a_qcow2_header_into_its_raw_base_does_not_stop_a_snapshot(string kind)
    {
        await using var d = await TestDomain.CreateAsync(kind, 512, "untrusted");
        await using var store = await d.OpenAsync();
        var image = Guid.NewGuid();
        await using var writer = await d.WriterAsync(store);
        await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 16 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
        var chain = await VolumeChainTests.ChainAsync(store, image);

        // Guest data that happens to be a qcow2 header naming /etc/shadow: qemu reads the base as raw, so it is only data.
        var planted = new Qcow2Header { Size = 16 * MiB, L1TableOffset = 0x30000, RefcountTableOffset = 0x10000, RefcountTableClusters = 1 }
            .WithBacking("/etc/shadow", "raw");
        await WriteHeaderAsync(store, chain[0], planted);
        await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None);
        Assert.Equal(2, (await VolumeChainTests.ChainAsync(store, image)).Count);
    }

    private static async Task AssertRefusedAsync(TestDomain d, IDomainManifest store, IDomainManifest targetStore, Guid image, IReadOnlyList<VolumeRecord> chain, string what)
    {
        var before = await StateAsync(store);
        await using (var writer = await d.WriterAsync(store))
        {
            AssertUnsafe(await Assert.ThrowsAsync<SanpoolException>(() => CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), None)), what);
            AssertUnsafe(await Assert.ThrowsAsync<SanpoolException>(() => MergeVolumes.RunAsync(writer, image, chain[1].Id, chain[2].Id, null, None)), what);
        }

        await using (var writer = await d.WriterAsync(targetStore))
        {
            AssertUnsafe(await Assert.ThrowsAsync<SanpoolException>(() => CopyImage.RunAsync(store, image, writer, new CopyOptions(), null, None)), what);
            AssertUnsafe(await Assert.ThrowsAsync<SanpoolException>(
                () => CopyImage.RunAsync(store, image, writer, new CopyOptions { Collapse = true }, null, None)), what);
        }

        Assert.Equal(before, await StateAsync(store));
        Assert.Empty(await targetStore.ListAsync(None));
    }

    private static void AssertUnsafe(SanpoolException e, string what)
    {
        Assert.True(e.Code == QemuErrors.UnsafeBackingFile || e.Code == StorageErrors.ChainBroken, $"{what}: {e.Code}: {e.Message}");
        Assert.Contains("qemu-img was not run", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Every volume with its metadata generation and legality: what a refused operation must not change.</summary>
    private static async Task<string> StateAsync(IDomainManifest store)
    {
        var inventory = await DomainInventory.LoadAsync(store, None);
        return string.Join("\n", inventory.Volumes.OrderBy(v => v.Id)
            .Select(v => $"{v.Image}/{v.Id} {v.Md.Role} {v.Md.Legality} gen {v.Md.Generation} size {v.Stored.Size}"));
    }

    private static List<Guid> Ids(IReadOnlyList<VolumeRecord> chain) => [.. chain.Select(v => v.Id)];

    private static async Task<Qcow2Header> ReadHeaderAsync(IDomainManifest store, VolumeRecord volume)
    {
        await using var device = await store.OpenVolumeAsync(volume.Stored, readOnly: true, None);
        return await Qcow2Header.ReadAsync(device, None);
    }

    /// <summary>Writes <paramref name="header"/> over the first 64 KiB of the volume, as a guest could.</summary>
    private static async Task WriteHeaderAsync(IDomainManifest store, VolumeRecord volume, Qcow2Header header)
    {
        await using var device = await store.OpenVolumeAsync(volume.Stored, readOnly: false, None);
        var cluster = new byte[64 * 1024];
        await device.ReadAsync(0, cluster, None);
        header.Write(cluster);
        await device.WriteAsync(0, cluster, None);
    }
}
