using System.Buffers.Binary;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Lvm;
using static Sanpool.Storage.Tests.Lvm.LvmTestVg;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>
/// An LV as a block device over its PVs, on real loop-device VGs (needs root and lvm2): I/O
/// that straddles segments is split, lands where LVM put the extents, and reads back whole;
/// after lvextend a refresh maps the new extents (also on a PV added later) with the device open.
/// </summary>
public sealed class LvBlockDeviceTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task A_write_across_a_segment_jump_lands_on_both_extents_and_reads_back(int sectorSize)
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB, sectorSize: sectorSize);
        long extent = vg.ExtentSize;

        // A: pe 0, then pe 2-3 (B took pe 1 in between): two segments on one PV.
        await vg.Lvm.LvCreateAsync(vg.Vg, "A", extent, []);
        await vg.Lvm.LvCreateAsync(vg.Vg, "B", extent, []);
        await vg.Lvm.LvExtendAsync(vg.Vg, "A", 3 * extent);
        long peStart = Assert.Single(await vg.Lvm.PvsAsync()).PeStart;

        await using var lv = await LvBlockDevice.OpenAsync(vg.Lvm, vg.Vg, "A", readOnly: false, default);
        Assert.Equal((3 * extent, sectorSize, 2), (lv.Size, lv.SectorSize, lv.Map.Ranges.Length));

        long straddle = extent - (4 * sectorSize);
        var data = Stamped(straddle, 8 * sectorSize, sectorSize);
        await lv.WriteAsync(straddle, data);

        await using var pv = DirectBlockDevice.Open(vg.Device.Path, readOnly: true);
        Assert.Equal(data[..(4 * sectorSize)], await ReadAsync(pv, peStart + straddle, 4 * sectorSize));
        Assert.Equal(data[(4 * sectorSize)..], await ReadAsync(pv, peStart + (2 * extent), 4 * sectorSize));
        Assert.Equal(new byte[4 * sectorSize], await ReadAsync(pv, peStart + extent, 4 * sectorSize));
        Assert.Equal(data, await ReadAsync(lv, straddle, data.Length));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task An_lv_spanning_two_pvs_is_written_on_both(int sectorSize)
    {
        await using var vg = await CreateAsync(deviceSize: 64 * MiB, sectorSize: sectorSize);
        var second = await vg.AddDeviceAsync(64 * MiB, sectorSize);
        var lvm = vg.Lvm;
        await lvm.PvCreateAsync([second.Path]);
        await lvm.VgExtendAsync(vg.Vg, [second.Path]);
        long firstPvExtents = (await lvm.PvsAsync()).Single(p => p.Name == vg.Device.Path).PeCount;
        await lvm.LvCreateAsync(vg.Vg, "wide", (firstPvExtents + 2) * vg.ExtentSize, []);

        await using var lv = await LvBlockDevice.OpenAsync(lvm, vg.Vg, "wide", readOnly: false, default);
        Assert.Equal([vg.Device.Path, second.Path], lv.Map.Ranges.Select(r => r.PvName));

        long boundary = firstPvExtents * vg.ExtentSize;
        var data = Stamped(boundary - sectorSize, 2 * sectorSize, sectorSize);
        await lv.WriteAsync(boundary - sectorSize, data);
        Assert.Equal(data, await ReadAsync(lv, boundary - sectorSize, data.Length));

        var pvs = await lvm.PvsAsync();
        await using var pv2 = DirectBlockDevice.Open(second.Path, readOnly: true);
        Assert.Equal(data[sectorSize..], await ReadAsync(pv2, pvs.Single(p => p.Name == second.Path).PeStart, sectorSize));
    }

    [Fact]
    public async Task Io_outside_the_lv_or_off_its_sectors_and_a_missing_lv_are_refused()
    {
        await using var vg = await CreateAsync(deviceSize: 64 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, "small", vg.ExtentSize, []);
        await using var lv = await LvBlockDevice.OpenAsync(vg.Lvm, vg.Vg, "small", readOnly: false, default);

        var past = await Assert.ThrowsAsync<SanpoolException>(() => lv.WriteAsync(lv.Size - 512, new byte[1024]).AsTask());
        Assert.Equal(BlockIoErrors.OutOfRange, past.Code);
        var unaligned = await Assert.ThrowsAsync<SanpoolException>(() => lv.ReadAsync(100, new byte[512]).AsTask());
        Assert.Equal(BlockIoErrors.Unaligned, unaligned.Code);
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => LvBlockDevice.OpenAsync(vg.Lvm, vg.Vg, "nope", readOnly: true, default));
        Assert.Equal(LvmErrors.LvNotFound, missing.Code);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task After_lvextend_onto_a_new_PV_a_refresh_maps_it_and_IO_past_the_old_end_lands_there(int sectorSize)
    {
        await using var vg = await CreateAsync(deviceSize: 64 * MiB, sectorSize: sectorSize);
        string name = "grows";
        long free = (await vg.Lvm.VgsAsync(vg.Vg)).Single().Free;
        await vg.Lvm.LvCreateAsync(vg.Vg, name, free, []);
        // A host sees every LUN of the SAN, also one not yet in the domain.
        var second = await vg.AddDeviceAsync(64 * MiB, sectorSize);
        var lvm = vg.For(vg.Device, second);
        await using var lv = await LvBlockDevice.OpenAsync(lvm, vg.Vg, name, readOnly: false, default, sync: false);
        var head = Stamped(free - sectorSize, sectorSize, sectorSize);
        await lv.WriteAsync(free - sectorSize, head, fua: true, default);

        // The VG is full: the LV can only grow onto the second PV, which the device has not opened.
        await lvm.PvCreateAsync([second.Path]);
        await lvm.VgExtendAsync(vg.Vg, [second.Path]);
        await lvm.LvExtendAsync(vg.Vg, name, free + vg.ExtentSize);
        var early = await Assert.ThrowsAsync<SanpoolException>(() => lv.WriteAsync(free, head).AsTask());
        Assert.Equal(BlockIoErrors.OutOfRange, early.Code);

        Assert.Equal(free + vg.ExtentSize, await lv.RefreshAsync(default));
        Assert.Equal((free + vg.ExtentSize, sectorSize), (lv.Size, lv.SectorSize));
        Assert.Equal([vg.Device.Path, second.Path], lv.Map.Ranges.Select(r => r.PvName));
        var tail = Stamped(free, sectorSize, sectorSize);
        await lv.WriteAsync(free, tail, fua: true, default);
        await lv.FlushAsync(default);

        Assert.Equal(head.Concat(tail).ToArray(), await ReadAsync(lv, free - sectorSize, 2 * sectorSize));
        await using var pv2 = DirectBlockDevice.Open(second.Path, readOnly: true);
        Assert.Equal(tail, await ReadAsync(pv2, (await lvm.PvsAsync()).Single(p => p.Name == second.Path).PeStart, sectorSize));
    }

    [Fact]
    public async Task A_refresh_of_an_LV_removed_meanwhile_is_LV_NOT_FOUND_and_keeps_the_old_map()
    {
        await using var vg = await CreateAsync(deviceSize: 64 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, "gone", vg.ExtentSize, []);
        await using var lv = await LvBlockDevice.OpenAsync(vg.Lvm, vg.Vg, "gone", readOnly: true, default);
        await vg.Lvm.LvRemoveAsync(vg.Vg, "gone");

        var error = await Assert.ThrowsAsync<SanpoolException>(() => lv.RefreshAsync(default));
        Assert.Equal(LvmErrors.LvNotFound, error.Code);
        Assert.Equal(vg.ExtentSize, lv.Size);
    }

    private static async Task<byte[]> ReadAsync(IBlockDevice device, long offset, int length)
    {
        var data = new byte[length];
        await device.ReadAsync(offset, data);
        return data;
    }

    /// <summary>Sectors each filled with their own LV offset (little-endian u64, repeated).</summary>
    private static byte[] Stamped(long lvOffset, int length, int sectorSize)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i += 8)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i), lvOffset + (i / sectorSize * sectorSize));
        }

        return data;
    }
}
