using System.Text;
using System.Text.Json;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Qemu;

public class Qcow2HeaderTests
{
    [Fact]
    public void Field_offsets_chain_to_the_documented_header_lengths()
    {
        Assert.Equal(72, Qcow2Header.Offsets.V2End);
        Assert.Equal(100, Qcow2Header.Offsets.HeaderLength);
        Assert.Equal(104, Qcow2Header.Offsets.V3MinEnd);
        Assert.Equal(112, Qcow2Header.Offsets.V3End);
    }

    public static TheoryData<string, string[]> QemuImages => new()
    {
        { "no backing", ["-o", "compat=1.1"] },
        { "raw parent", ["-o", "compat=1.1", "-b", ParentA, "-F", "raw", "-u"] },
        { "qcow2 parent", ["-o", "compat=1.1", "-b", ParentB, "-F", "qcow2", "-u"] },
        { "v2 with parent", ["-o", "compat=0.10", "-b", ParentA, "-F", "raw", "-u"] },
        { "2M clusters, lazy refcounts, 64-bit refcounts", ["-o", "compat=1.1,cluster_size=2M,lazy_refcounts=on,refcount_bits=64", "-b", ParentC, "-F", "qcow2", "-u"] },
        { "zstd, extended L2", ["-o", "compat=1.1,compression_type=zstd,extended_l2=on"] },
    };

    [Theory]
    [MemberData(nameof(QemuImages))]
    public async Task Headers_of_real_qemu_images_decode_to_what_qemu_img_info_reports(string what, string[] options)
    {
        using var dir = new TempDir("qcow2-hdr");
        string image = dir.File("image.qcow2");
        await QemuImgAsync(["create", "-q", "-f", "qcow2", .. options, image, "1G"]);
        using var info = JsonDocument.Parse(await QemuImgAsync("info", "--output", "json", "-U", image));
        var qemu = info.RootElement;
        var data = qemu.GetProperty("format-specific").GetProperty("data");

        var header = await Qcow2Header.ReadAsync(image, CancellationToken.None);

        Assert.True(header.Version == (data.GetProperty("compat").GetString() == "1.1" ? 3 : 2), what);
        Assert.Equal(qemu.GetProperty("virtual-size").GetInt64(), header.Size);
        Assert.Equal(qemu.GetProperty("cluster-size").GetInt64(), header.ClusterSize);
        Assert.Equal(qemu.TryGetProperty("backing-filename", out var b) ? b.GetString() : null, header.BackingFile);
        Assert.Equal(qemu.TryGetProperty("backing-filename-format", out var f) ? f.GetString() : null, header.BackingFormat);
        Assert.Equal(qemu.GetProperty("dirty-flag").GetBoolean(), header.IsDirty);
        Assert.Equal(data.GetProperty("refcount-bits").GetInt32(), header.RefcountBits);
        Assert.Equal(data.GetProperty("compression-type").GetString(), header.CompressionType == 0 ? "zlib" : "zstd");
        if (header.Version == 3)
        {
            // qemu reports these for compat 1.1 only.
            Assert.Equal(data.GetProperty("corrupt").GetBoolean(), header.IsCorrupt);
            Assert.Equal(data.GetProperty("lazy-refcounts").GetBoolean(), header.CompatibleFeatures.HasFlag(Qcow2CompatibleFeatures.LazyRefcounts));
            Assert.Equal(data.GetProperty("extended-l2").GetBoolean(), header.IncompatibleFeatures.HasFlag(Qcow2IncompatibleFeatures.ExtendedL2));
        }

        Assert.Equal(Qcow2IncompatibleFeatures.None, header.UnknownIncompatibleFeatures);
    }

    [Theory]
    [MemberData(nameof(QemuImages))]
    public async Task Writing_a_decoded_qemu_header_gives_back_qemus_bytes(string what, string[] options)
    {
        using var dir = new TempDir("qcow2-hdr");
        string image = dir.File("image.qcow2");
        await QemuImgAsync(["create", "-q", "-f", "qcow2", .. options, image, "1G"]);
        byte[] original = await File.ReadAllBytesAsync(image);
        var header = Qcow2Header.Read(original);

        var written = new byte[header.EncodedLength];
        int length = header.Write(written);

        Assert.Equal(written.Length, length);
        Assert.True(original.AsSpan(0, length).SequenceEqual(written), what);
        Assert.True(original.AsSpan(length, 64).IndexOfAnyExcept((byte)0) < 0, "qemu writes nothing after the backing name");
    }

    [Fact]
    public async Task A_default_qemu_7_image_with_a_raw_parent_has_qemus_layout()
    {
        using var dir = new TempDir("qcow2-hdr");
        string image = dir.File("image.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", ParentA, "-F", "raw", "-u", image, "1G");

        var h = await Qcow2Header.ReadAsync(image, CancellationToken.None);

        Assert.Equal(112, h.HeaderLength);
        Assert.Equal(4, h.RefcountOrder);
        Assert.Equal(65536, h.RefcountTableOffset);
        Assert.Equal(1u, h.RefcountTableClusters);
        Assert.Equal(3 * 65536, h.L1TableOffset);
        Assert.Equal(2u, h.L1Size);
        Assert.Equal(0u, h.NbSnapshots);
        Assert.Equal(0u, h.CryptMethod);

        // Extensions: backing format (8 + 8), feature table (8 + 8 x 48), end (8); then the name.
        Assert.Equal([Qcow2Header.BackingFormatExtension, Qcow2Header.FeatureNameTableExtension], h.Extensions.Select(e => e.Type));
        Assert.Equal(112 + 16 + 392 + 8, h.BackingFileOffset);
        Assert.Equal(36, h.BackingFileSize);
        Assert.Contains(new Qcow2FeatureName(0, 0, "dirty bit"), h.FeatureNames);
        Assert.Contains(new Qcow2FeatureName(1, 0, "lazy refcounts"), h.FeatureNames);
        Assert.Equal(8, h.FeatureNames.Count);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task A_header_is_read_from_a_block_device_with_sector_aligned_io(int sectorSize)
    {
        using var dir = new TempDir("qcow2-hdr");
        string image = dir.File("image.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1,cluster_size=2M", "-b", ParentB, "-F", "qcow2", "-u", image, "10G");
        byte[] bytes = await File.ReadAllBytesAsync(image);
        var disk = new MemoryDisk(8L << 20, sectorSize, "lv");
        disk.Write(0, bytes.AsSpan(0, Math.Min(bytes.Length, 4 << 20)));
        await using var device = disk.Open();

        var header = await Qcow2Header.ReadAsync(device, CancellationToken.None);

        Assert.Equal(10L << 30, header.Size);
        Assert.Equal(21, header.ClusterBits);
        Assert.Equal(ParentB, header.BackingFile);
        Assert.Equal("qcow2", header.BackingFormat);
    }

    [Fact]
    public void WithBacking_replaces_the_name_and_the_format_extension()
    {
        var header = new Qcow2Header { Size = 1 << 30, L1Size = 2, L1TableOffset = 3 * 65536, RefcountTableOffset = 65536, RefcountTableClusters = 1 }
            .WithBacking(ParentA, "raw")
            .WithBacking(ParentB, "qcow2");
        var bytes = new byte[65536];
        header.Write(bytes);

        var back = Qcow2Header.Read(bytes);

        Assert.Equal(ParentB, back.BackingFile);
        Assert.Equal("qcow2", back.BackingFormat);
        Assert.Single(back.Extensions);
        Assert.Equal(1L << 30, back.Size);
    }

    public static TheoryData<string, int, byte[], string> Corruptions => new()
    {
        { "magic", Qcow2Header.Offsets.Magic, "QFI\0"u8.ToArray(), "magic" },
        { "version 1", Qcow2Header.Offsets.Version, BigEndian(1u), "version" },
        { "version 4", Qcow2Header.Offsets.Version, BigEndian(4u), "version" },
        { "cluster bits 8", Qcow2Header.Offsets.ClusterBits, BigEndian(8u), "cluster_bits" },
        { "cluster bits 22", Qcow2Header.Offsets.ClusterBits, BigEndian(22u), "cluster_bits" },
        { "backing offset past the cluster", Qcow2Header.Offsets.BackingFileOffset, BigEndian(65536UL + 8), "backing_file_offset" },
        { "backing name running off the cluster", Qcow2Header.Offsets.BackingFileOffset, BigEndian(65536UL - 8), "backing_file_offset" },
        { "backing offset inside the header", Qcow2Header.Offsets.BackingFileOffset, BigEndian(64UL), "backing_file_offset" },
        { "backing offset with the top bit set", Qcow2Header.Offsets.BackingFileOffset, BigEndian(1UL << 63), "backing_file_offset" },
        { "backing name over 1023 bytes", Qcow2Header.Offsets.BackingFileSize, BigEndian(1024u), "backing_file_size" },
        { "header length under 104", Qcow2Header.Offsets.HeaderLength, BigEndian(100u), "header_length" },
        { "header length over the cluster", Qcow2Header.Offsets.HeaderLength, BigEndian(65537u), "header_length" },
        { "refcount order 7", Qcow2Header.Offsets.RefcountOrder, BigEndian(7u), "refcount_order" },
        { "crypt method 3", Qcow2Header.Offsets.CryptMethod, BigEndian(3u), "crypt_method" },
        { "misaligned L1 table", Qcow2Header.Offsets.L1TableOffset, BigEndian(3UL * 65536 + 512), "l1_table_offset" },
        { "huge L1 table", Qcow2Header.Offsets.L1Size, BigEndian(0x1000000u), "l1_size" },
        { "compression type without its feature bit", Qcow2Header.Offsets.CompressionType, [1], "compression_type" },
        { "backing format extension running off the header", 112 + 4, BigEndian(1000u), "header extension 0xe2792aca at 112" },
        { "feature table running off the header", 112 + 16 + 4, BigEndian(0xFFFFu), "header extension 0x6803f857 at 128" },
        { "feature table of a partial entry", 112 + 16 + 4, BigEndian(50u), "header extension 0x6803f857 at 128" },
        { "backing name not UTF-8", 528, [0xff, 0xfe], "backing file name" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task A_corrupt_field_is_refused_naming_the_field(string what, int offset, byte[] patch, string field)
    {
        using var dir = new TempDir("qcow2-hdr");
        string image = dir.File("image.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", ParentA, "-F", "raw", "-u", image, "1G");
        await PatchAsync(image, offset, patch);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => Qcow2Header.ReadAsync(image, CancellationToken.None));

        Assert.Equal(QemuErrors.BadQcow2, e.Code);
        Assert.True(e.Message.Contains(field, StringComparison.Ordinal), $"{what}: {e.Message}");
        Assert.Contains(image, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extensions_running_off_an_image_without_backing_file_are_refused()
    {
        using var dir = new TempDir("qcow2-hdr");
        string image = dir.File("image.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", image, "1G");

        // Without a backing name the extension area is the whole first cluster: 64 KiB.
        await PatchAsync(image, 112 + 4, BigEndian(65536u));

        var e = await Assert.ThrowsAsync<SanpoolException>(() => Qcow2Header.ReadAsync(image, CancellationToken.None));
        Assert.Equal(QemuErrors.BadQcow2, e.Code);
        Assert.Contains("header extension 0x6803f857 at 112", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(100)]
    public void A_truncated_header_is_refused(int length)
    {
        var header = new Qcow2Header { Size = 1 << 20, L1Size = 1, L1TableOffset = 3 * 65536, RefcountTableOffset = 65536, RefcountTableClusters = 1 };
        var bytes = new byte[header.EncodedLength];
        header.Write(bytes);

        var e = Assert.Throws<SanpoolException>(() => Qcow2Header.Read(bytes.AsSpan(0, length)));

        Assert.Equal(QemuErrors.BadQcow2, e.Code);
        Assert.Contains(length < 72 ? "header" : "header_length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_would_not_fit_the_cluster_is_not_written()
    {
        var header = new Qcow2Header { ClusterBits = 9, Size = 1 << 20 }.WithBacking(new string('a', 400), "raw");

        var e = Assert.Throws<SanpoolException>(() => header.Write(new byte[4096]));

        Assert.Equal(QemuErrors.BadQcow2, e.Code);
    }

    [Fact]
    public void Text_of_the_feature_names_is_ascii_up_to_the_first_nul()
    {
        var entry = new byte[Qcow2Header.FeatureNameEntrySize];
        entry[0] = 2;
        entry[1] = 1;
        Encoding.ASCII.GetBytes("raw external data").CopyTo(entry, 2);
        var header = new Qcow2Header { Extensions = [new Qcow2HeaderExtension(Qcow2Header.FeatureNameTableExtension, entry)] };

        Assert.Equal([new Qcow2FeatureName(2, 1, "raw external data")], header.FeatureNames);
    }
}
