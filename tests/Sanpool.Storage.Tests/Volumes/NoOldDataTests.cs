using System.Text;
using Sanpool.BlockIO;
using Sanpool.DataPath;
using Sanpool.Storage.Check;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// No new block volume shows a deleted one's data (needs root and lvm2: a block domain on a loop
/// device). A volume is filled with a pattern through the LV export a VM's qemu reads
/// (<see cref="LvExport"/>), a qcow2 header at its start as a deleted qcow2 leaf leaves it; it is
/// deleted, and new volumes of every kind a block domain takes are made over the same extents.
/// Read back the way a VM reads them, none holds a byte of the pattern.
/// </summary>
public sealed class NoOldDataTests
{
    internal const long MiB = 1024 * 1024;
    internal static readonly byte[] Pattern = Encoding.ASCII.GetBytes("OLD-DATA-PATTERN");
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task New_raw_and_cow_volumes_over_a_deleted_volume_s_extents_read_none_of_its_data()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "noold");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        var old = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 384 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        await CreateImage.RunAsync(writer, old, None);
        var oldRanges = await FillAsync(d, store, old, withQcow2Header: true);
        await DeleteVolume.RunAsync(writer, old.Image, old.Volume, None);

        ImageSpec[] made =
        [
            new(Guid.NewGuid(), Guid.NewGuid(), 100 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED),
            new(Guid.NewGuid(), Guid.NewGuid(), 1024 * MiB, VolumeFormat.COW, AllocationType.SPARSE),
            new(Guid.NewGuid(), Guid.NewGuid(), 64 * MiB, VolumeFormat.COW, AllocationType.PREALLOCATED),
        ];
        var newRanges = new List<LvByteRange>();
        foreach (var spec in made)
        {
            await CreateImage.RunAsync(writer, spec, None);
            newRanges.AddRange(await RangesAsync(store, spec.Volume));
        }

        // The test means something only if LVM gave the new LVs the old one's extents.
        Assert.All(newRanges, r => Assert.Contains(oldRanges, o => o.PvName == r.PvName && o.PvOffset <= r.PvOffset && r.PvOffset < o.PvOffset + o.Length));
        var snapshot = await CreateSnapshot.RunAsync(writer, made[1].Image, Guid.NewGuid(), None);
        Assert.NotEmpty(await RangesAsync(store, snapshot));

        foreach (var spec in made)
        {
            await AssertNoPatternAsync(d, store, spec);
        }

        Assert.Empty(await DomainCheck.RunAsync(store, None));
    }

    [Fact]
    public async Task A_raw_copy_onto_a_block_domain_leaves_none_of_a_deleted_volume_s_data_past_or_inside_its_capacity()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "noold-copy");
        var target = await d.AddDomainAsync(512);
        await using var store = await d.OpenAsync();
        await using var targetStore = await d.OpenAsync(target);
        await using var writer = await d.WriterAsync(store);
        await using var targetWriter = await d.WriterAsync(targetStore);
        var old = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 256 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        await CreateImage.RunAsync(targetWriter, old, None);
        await FillAsync(d, targetStore, old, withQcow2Header: false);
        await DeleteVolume.RunAsync(targetWriter, old.Image, old.Volume, None);

        // A raw source written only here and there, 100 MiB: the copy's LV is 128 MiB.
        var source = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 100 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        await CreateImage.RunAsync(writer, source, None);
        await using (var prepared = await store.PrepareAsync([(await VolumeChainTests.ChainAsync(store, source.Image)).Single().Stored], None))
        {
            await QemuIoAsync("raw", prepared.PathOf(source.Volume), "write -P 7 1M 64k");
        }

        await CopyImage.RunAsync(store, source.Image, targetWriter, new CopyOptions(), null, None);
        await AssertNoPatternAsync(d, targetStore, source, written: true);
        var tail = new byte[28 * MiB];
        await using var export = await OpenExportAsync(targetStore, await StoredAsync(targetStore, source.Volume));
        await export.ReadAsync(100 * MiB, tail, None);
        Assert.False(tail.AsSpan().ContainsAnyExcept((byte)0), "the copy's LV past its capacity is not zero");
    }

    [Fact]
    public async Task Domain_check_reports_a_qcow2_header_in_a_raw_volume_with_its_evidence_and_never_advises_FORMAT_COW()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "noold-check");
        await using var store = await d.OpenAsync();
        await using var writer = await d.WriterAsync(store);
        var raw = new ImageSpec(Guid.NewGuid(), Guid.NewGuid(), 64 * MiB, VolumeFormat.RAW, AllocationType.PREALLOCATED);
        await CreateImage.RunAsync(writer, raw, None);
        string backing = Guid.NewGuid().ToString();

        // What a guest may write on its raw disk, or a deleted qcow2 leaf left before volumes were zeroed.
        await WriteAsync(store, raw.Volume, 0, await Qcow2HeaderAsync(d, backing));

        var finding = Assert.Single(await DomainCheck.RunAsync(store, None));
        Assert.Equal(raw.Volume.ToString(), finding.Volume);
        Assert.Contains("FORMAT=RAW", finding.Problem, StringComparison.Ordinal);
        Assert.Contains($"backing file '{backing}'", finding.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("set FORMAT=COW", finding.Fix, StringComparison.Ordinal);
        Assert.Contains("change nothing", finding.Fix, StringComparison.Ordinal);
    }

    /// <summary>Fills the volume's LV with <see cref="Pattern"/> through the LV export, optionally a qcow2 header first; returns where its extents are.</summary>
    internal static async Task<IReadOnlyList<LvByteRange>> FillAsync(TestDomain d, IDomainManifest store, ImageSpec spec, bool withQcow2Header)
    {
        var stored = await StoredAsync(store, spec.Volume);
        var block = new byte[4 * MiB];
        for (int i = 0; i < block.Length; i += Pattern.Length)
        {
            Pattern.CopyTo(block, i);
        }

        await using (var export = await OpenExportAsync(store, stored))
        {
            for (long at = 0; at < stored.Size; at += block.Length)
            {
                await export.WriteAsync(at, block, fua: false, None);
            }

            if (withQcow2Header)
            {
                await export.WriteAsync(0, await Qcow2HeaderAsync(d, Guid.NewGuid().ToString()), fua: true, None);
            }
        }

        return await RangesAsync(store, spec.Volume);
    }

    /// <summary>Reads the volume as a VM does, and finds no byte of the pattern; a raw volume nothing <paramref name="written"/> to reads all zeros, past its capacity too.</summary>
    internal static async Task AssertNoPatternAsync(TestDomain d, IDomainManifest store, ImageSpec spec, bool written = false)
    {
        var stored = await StoredAsync(store, spec.Volume);
        var md = await store.ReadMetadataAsync(stored, None);
        await using (var export = await OpenExportAsync(store, stored))
        {
            // The LV's bytes as qemu gets them over NBD: all of a raw volume, the start of a qcow2 one (what a probe reads).
            long length = md.Format == VolumeFormat.RAW ? stored.Size : VolumeSteps.ProbeArea;
            var buffer = new byte[4 * MiB];
            for (long at = 0; at < length; at += buffer.Length)
            {
                int n = (int)Math.Min(buffer.Length, length - at);
                await export.ReadAsync(at, buffer.AsMemory(0, n), None);
                Assert.True(buffer.AsSpan(0, n).IndexOf(Pattern) < 0, $"volume {spec.Volume} ({md.Format}) shows the old pattern near {at}");
                if (md.Format == VolumeFormat.RAW && !written)
                {
                    Assert.True(!buffer.AsSpan(0, n).ContainsAnyExcept((byte)0), $"raw volume {spec.Volume} is not zero near {at}");
                }
            }
        }

        if (md.Format == VolumeFormat.COW)
        {
            // The guest's view through qcow2: the same as an empty disk, nothing was written.
            string zeros = d.Scratch($"{spec.Volume}.zero.raw");
            await QemuImgAsync("create", "-f", "raw", zeros, md.Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await using var prepared = await store.PrepareAsync([stored], None);
            await QemuImgAsync("compare", "-q", "-f", "qcow2", "-F", "raw", prepared.PathOf(spec.Volume), zeros);
        }
    }

    internal static async Task<StoredVolume> StoredAsync(IDomainManifest store, Guid volume) =>
        (await store.ListAsync(None)).Single(v => v.Volume == volume);

    internal static async Task<IReadOnlyList<LvByteRange>> RangesAsync(IDomainManifest store, Guid volume)
    {
        await using var device = await store.OpenVolumeAsync(await StoredAsync(store, volume), readOnly: true, None);
        return [.. ((LvBlockDevice)device).Map.Ranges];
    }

    /// <summary>The LV served as a VM's qemu gets it (no device-mapper: the LV's segments on its PVs).</summary>
    internal static async Task<LvExport> OpenExportAsync(IDomainManifest store, StoredVolume stored)
    {
        var lv = store.LvOf(stored) ?? throw new InvalidOperationException("not a block domain");
        return await LvExport.OpenAsync(lv.Lvm, lv.Vg, new VolumeIdentity(store.Info.Uuid, stored.Image, stored.Volume), stored.Size, readOnly: false,
            LvDataPathMode.Segments, None);
    }

    /// <summary>The first 4 KiB of a qcow2 image whose backing file is <paramref name="backing"/> (36 bytes, as VDSM names them).</summary>
    internal static async Task<byte[]> Qcow2HeaderAsync(TestDomain d, string backing)
    {
        string path = d.Scratch($"header-{Guid.NewGuid():N}.qcow2");
        await QemuImgAsync("create", "-f", "qcow2", "-u", "-b", backing, "-F", "raw", path, "1G");
        var header = new byte[4096];
        await using (var file = File.OpenRead(path))
        {
            await file.ReadExactlyAsync(header);
        }

        File.Delete(path);
        return header;
    }

    private static async Task WriteAsync(IDomainManifest store, Guid volume, long offset, byte[] data)
    {
        await using var export = await OpenExportAsync(store, await StoredAsync(store, volume));
        await export.WriteAsync(offset, data, fua: true, None);
    }
}
