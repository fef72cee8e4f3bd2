using Sanpool.Core;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.Tests.Lvm;

public sealed class LvByteMapTests
{
    private const long Extent = 128L << 20;
    private const long PeStart = 1L << 20;

    private static readonly PhysicalVolume Pv0 = new("/dev/loop0", "u0", "vg", 31 * Extent, 0, PeStart, 31, 31);
    private static readonly PhysicalVolume Pv1 = new("/dev/loop1", "u1", "vg", 31 * Extent, 0, PeStart, 31, 31);

    /// <summary>Extents 0-1 on loop0 pe 0-1, extent 2 on loop0 pe 8, extents 3-4 on loop1 pe 0-1.</summary>
    private static readonly LogicalVolume Lv = Volume(5,
        new LvSegment(0, 2, "/dev/loop0", 0),
        new LvSegment(2, 1, "/dev/loop0", 8),
        new LvSegment(3, 2, "/dev/loop1", 0));

    [Fact]
    public void Each_segment_maps_to_pe_start_plus_its_first_extent_times_the_extent_size()
    {
        var map = LvByteMap.Create(Lv, Extent, [Pv0, Pv1]);

        Assert.Equal(5 * Extent, map.Size);
        Assert.Equal(
            [
                new LvByteRange(0, 2 * Extent, "/dev/loop0", PeStart),
                new LvByteRange(2 * Extent, Extent, "/dev/loop0", PeStart + (8 * Extent)),
                new LvByteRange(3 * Extent, 2 * Extent, "/dev/loop1", PeStart),
            ],
            map.Ranges.AsEnumerable());
    }

    [Fact]
    public void A_span_across_segments_is_split_at_each_jump()
    {
        var map = LvByteMap.Create(Lv, Extent, [Pv0, Pv1]);

        var pieces = map.Slice((2 * Extent) - 512, Extent + 1024).ToList();

        Assert.Equal(
            [
                new LvByteRange((2 * Extent) - 512, 512, "/dev/loop0", PeStart + (2 * Extent) - 512),
                new LvByteRange(2 * Extent, Extent, "/dev/loop0", PeStart + (8 * Extent)),
                new LvByteRange(3 * Extent, 512, "/dev/loop1", PeStart),
            ],
            pieces);
    }

    [Fact]
    public void A_span_inside_one_segment_is_one_piece_and_an_empty_span_none()
    {
        var map = LvByteMap.Create(Lv, Extent, [Pv0, Pv1]);

        Assert.Equal([new LvByteRange((4 * Extent) + 4096, 8192, "/dev/loop1", PeStart + Extent + 4096)], map.Slice((4 * Extent) + 4096, 8192));
        Assert.Empty(map.Slice(map.Size, 0));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, -1)]
    [InlineData(0, (5 * Extent) + 1)]
    [InlineData((5 * Extent) - 512, 1024)]
    public void A_span_outside_the_lv_is_refused(long offset, long length)
    {
        var map = LvByteMap.Create(Lv, Extent, [Pv0, Pv1]);

        Assert.Throws<ArgumentOutOfRangeException>(() => map.Slice(offset, length));
    }

    public static TheoryData<string, LogicalVolume> Inconsistent => new()
    {
        { "does not follow extent 2", Volume(4, new LvSegment(0, 2, "/dev/loop0", 0), new LvSegment(3, 1, "/dev/loop0", 5)) },
        { "does not follow extent 0", Volume(1, new LvSegment(1, 1, "/dev/loop0", 0)) },
        { "does not follow extent 1", Volume(2, new LvSegment(0, 1, "/dev/loop0", 0), new LvSegment(0, 1, "/dev/loop0", 5)) },
        { "not among the PVs given", Volume(1, new LvSegment(0, 1, "/dev/sdz", 0)) },
        { "which has 31", Volume(2, new LvSegment(0, 2, "/dev/loop0", 30)) },
        { "but the LV's size is", Volume(3, new LvSegment(0, 2, "/dev/loop0", 0)) },
    };

    [Theory]
    [MemberData(nameof(Inconsistent))]
    public void Reports_that_disagree_are_LVM_BAD_REPORT(string expected, LogicalVolume lv)
    {
        var e = Assert.Throws<SanpoolException>(() => LvByteMap.Create(lv, Extent, [Pv0, Pv1]));

        Assert.Equal(LvmErrors.BadReport, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static LogicalVolume Volume(long extents, params LvSegment[] segments) =>
        new("lv", "vg", "uuid", "-wi-XX----", extents * Extent, [], [.. segments]);
}
