using System.Buffers.Binary;
using Sanpool.BlockIO;
using Sanpool.Storage.Lvm;
using static Sanpool.Storage.Tests.Lvm.LvmTestVg;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>
/// The user-space data path's mapping, checked against a real PV: bytes written to an LV
/// through the map land at pe_start + pe * extent_size, including across a segment jump.
/// Needs root and lvm2.
/// </summary>
public sealed class LvByteMapDeviceTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Writes_through_the_map_land_at_pe_start_plus_extent_offsets_on_the_pv(int sectorSize)
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB, sectorSize: sectorSize);
        long extent = vg.ExtentSize;

        // A gets pe 0, B gets pe 1, then A grows by two extents, which land after B: pe 2-3.
        await vg.Lvm.LvCreateAsync(vg.Vg, "A", extent, []);
        await vg.Lvm.LvCreateAsync(vg.Vg, "B", extent, []);
        await vg.Lvm.LvExtendAsync(vg.Vg, "A", 3 * extent);
        var lvs = await vg.Lvm.LvsAsync(vg.Vg);
        var pvs = await vg.Lvm.PvsAsync();
        var a = lvs.Single(l => l.Name == "A");
        var map = LvByteMap.Create(a, extent, pvs);
        long peStart = Assert.Single(pvs).PeStart;

        Assert.Equal([new LvSegment(0, 1, vg.Device.Path, 0), new LvSegment(1, 2, vg.Device.Path, 2)], a.Segments.AsEnumerable());
        Assert.Equal(new LvSegment(0, 1, vg.Device.Path, 1), Assert.Single(lvs.Single(l => l.Name == "B").Segments));

        await using var pv = DirectBlockDevice.Open(vg.Device.Path);

        // One write that straddles the segment boundary (LV byte 1 extent), stamped per sector
        // with its LV offset, then the last sector of the LV.
        long straddle = extent - (4 * sectorSize);
        await WriteLvAsync(pv, map, straddle, Stamped(straddle, 8 * sectorSize, sectorSize));
        long last = map.Size - sectorSize;
        await WriteLvAsync(pv, map, last, Stamped(last, sectorSize, sectorSize));

        // Read the PV at offsets computed by hand from pe_start and the extents LVM reported.
        Assert.Equal(Stamped(straddle, 4 * sectorSize, sectorSize), await ReadPvAsync(pv, peStart + (0 * extent) + straddle, 4 * sectorSize));
        Assert.Equal(Stamped(extent, 4 * sectorSize, sectorSize), await ReadPvAsync(pv, peStart + (2 * extent), 4 * sectorSize));
        Assert.Equal(Stamped(last, sectorSize, sectorSize), await ReadPvAsync(pv, peStart + (4 * extent) - sectorSize, sectorSize));

        // B, between A's segments, was not written (LVs are not zeroed: the sparse file reads 0).
        Assert.Equal(new byte[4 * sectorSize], await ReadPvAsync(pv, peStart + (1 * extent), 4 * sectorSize));

        // And reading back through the map gives what was written.
        Assert.Equal(Stamped(straddle, 8 * sectorSize, sectorSize), await ReadLvAsync(pv, map, straddle, 8 * sectorSize));
    }

    private static async Task WriteLvAsync(DirectBlockDevice pv, LvByteMap map, long offset, byte[] data)
    {
        foreach (var piece in map.Slice(offset, data.Length))
        {
            await pv.WriteAsync(piece.PvOffset, data.AsMemory(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length)));
        }
    }

    private static async Task<byte[]> ReadLvAsync(DirectBlockDevice pv, LvByteMap map, long offset, int length)
    {
        var data = new byte[length];
        foreach (var piece in map.Slice(offset, length))
        {
            await pv.ReadAsync(piece.PvOffset, data.AsMemory(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length)));
        }

        return data;
    }

    private static async Task<byte[]> ReadPvAsync(DirectBlockDevice pv, long offset, int length)
    {
        var data = new byte[length];
        await pv.ReadAsync(offset, data);
        return data;
    }

    /// <summary>Sectors each filled with their own LV offset (little-endian u64, repeated).</summary>
    private static byte[] Stamped(long lvOffset, int length, int sectorSize)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i += 8)
        {
            long sectorOffset = lvOffset + (i / sectorSize * sectorSize);
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i), sectorOffset);
        }

        return data;
    }
}
