using Sanpool.Nbd;
using Sanpool.Storage.Thin;
using Sanpool.Storage.Volumes;
using static Sanpool.Storage.Tests.Lvm.LvmTestVg;

using static Sanpool.DataPath.Tests.ExportBytes;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// An LV served as a thin export, on real VGs on loop devices (needs root and lvm2): writes
/// past the LV's end are ENOSPC, the watermark and threshold follow the writes, and after
/// lvextend a refresh maps the new extents (also on a PV added later) while writers go on.
/// </summary>
public sealed class LvExportTests
{
    private static readonly VolumeIdentity Identity = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

    [Fact]
    public async Task A_write_past_the_LV_is_ENOSPC_and_nothing_of_it_lands()
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, Identity.Volume.ToString(), vg.ExtentSize, []);
        await using var export = await LvExport.OpenAsync(vg.Lvm, vg.Vg, Identity, 10 * vg.ExtentSize, readOnly: false, LvDataPathMode.Segments, default);
        long? outOfSpace = null;
        export.OutOfSpace += (_, end) => outOfSpace = end;

        Assert.Equal((10 * vg.ExtentSize, vg.ExtentSize, 512), (export.Size, export.CurrentSize, export.MinimumBlockSize));
        var straddling = Filled(8192, 0x5a);
        var error = await Assert.ThrowsAsync<NbdExportException>(() => export.WriteAsync(vg.ExtentSize - 4096, straddling, fua: false, default).AsTask());

        Assert.Equal(NbdErrno.ENOSPC, error.Errno);
        Assert.Equal(vg.ExtentSize + 4096, outOfSpace);
        Assert.Equal(0, export.HighestWrite);
        Assert.Equal(new byte[4096], await ReadAsync(export, vg.ExtentSize - 4096, 4096));
    }

    [Fact]
    public async Task Reads_past_the_LV_are_zeroes_and_reads_inside_give_what_was_written()
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, Identity.Volume.ToString(), vg.ExtentSize, []);
        await using var export = await LvExport.OpenAsync(vg.Lvm, vg.Vg, Identity, 4 * vg.ExtentSize, readOnly: false, LvDataPathMode.Segments, default);

        await export.WriteAsync(vg.ExtentSize - 512, Filled(512, 0x11), fua: true, default);
        var read = await ReadAsync(export, vg.ExtentSize - 512, 1024);

        Assert.Equal(Filled(512, 0x11), read[..512]);
        Assert.Equal(new byte[512], read[512..]);
        Assert.Equal(vg.ExtentSize, export.HighestWrite);
    }

    [Fact]
    public async Task The_threshold_fires_once_per_arming_and_at_once_when_already_passed()
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, Identity.Volume.ToString(), vg.ExtentSize, []);
        await using var export = await LvExport.OpenAsync(vg.Lvm, vg.Vg, Identity, 4 * vg.ExtentSize, readOnly: false, LvDataPathMode.Segments, default);
        var crossings = new List<long>();
        export.ThresholdCrossed += (volume, end) => crossings.Add(end);

        export.SetWriteThreshold(1 * MiB);
        await export.WriteAsync(0, Filled(4096, 1), fua: false, default);
        Assert.Empty(crossings);
        await export.WriteAsync(1 * MiB, Filled(4096, 1), fua: false, default);
        await export.WriteAsync(2 * MiB, Filled(4096, 1), fua: false, default);
        Assert.Equal([(1 * MiB) + 4096], crossings);

        export.SetWriteThreshold(1 * MiB);
        Assert.Equal([(1 * MiB) + 4096, (2 * MiB) + 4096], crossings);
    }

    [Fact]
    public async Task After_lvextend_a_refresh_maps_the_new_extents_on_a_PV_added_later_and_keeps_the_data()
    {
        await using var vg = await CreateAsync(deviceSize: 64 * MiB);
        string lv = Identity.Volume.ToString();
        long free = (await vg.Lvm.VgsAsync(vg.Vg)).Single().Free;
        await vg.Lvm.LvCreateAsync(vg.Vg, lv, free, []);
        // A host sees every LUN of the SAN, also one not yet in the domain.
        var second = await vg.AddDeviceAsync(64 * MiB);
        var lvm = vg.For(vg.Device, second);
        await using var export = await LvExport.OpenAsync(lvm, vg.Vg, Identity, 4 * free, readOnly: false, LvDataPathMode.Segments, default);
        var head = Filled(65536, 0x42);
        await export.WriteAsync(free - head.Length, head, fua: false, default);

        // The VG is full: the LV can only grow onto the second PV, which the export has not opened.
        await lvm.PvCreateAsync([second.Path]);
        await lvm.VgExtendAsync(vg.Vg, [second.Path]);
        await lvm.LvExtendAsync(vg.Vg, lv, free + vg.ExtentSize);
        await Assert.ThrowsAsync<NbdExportException>(() => export.WriteAsync(free, head, fua: false, default).AsTask());

        Assert.Equal(free + vg.ExtentSize, await export.RefreshAsync(default));
        await export.WriteAsync(free, head, fua: true, default);

        Assert.Equal(head, await ReadAsync(export, free - head.Length, head.Length));
        Assert.Equal(head, await ReadAsync(export, free, head.Length));
        await using var pv = Sanpool.BlockIO.DirectBlockDevice.Open(second.Path, readOnly: true);
        var onSecond = new byte[head.Length];
        await pv.ReadAsync((await lvm.PvsAsync()).Single(p => p.Name == second.Path).PeStart, onSecond);
        Assert.Equal(head, onSecond);
    }

    [Fact]
    public async Task Writers_going_on_through_a_refresh_see_ENOSPC_only_before_it_and_lose_nothing()
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB);
        string lv = Identity.Volume.ToString();
        await vg.Lvm.LvCreateAsync(vg.Vg, lv, vg.ExtentSize, []);
        await using var export = await LvExport.OpenAsync(vg.Lvm, vg.Vg, Identity, 8 * vg.ExtentSize, readOnly: false, LvDataPathMode.Segments, default);
        var waitingForSpace = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        export.OutOfSpace += (_, end) => waitingForSpace.TrySetResult(end);

        const int Block = 65536;
        long target = 3 * vg.ExtentSize;
        var writer = WriteThroughRefusalsAsync(export, target, Block);

        Assert.Equal(vg.ExtentSize + Block, await waitingForSpace.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await vg.Lvm.LvExtendAsync(vg.Vg, lv, target);
        await export.RefreshAsync(default);
        int refusals = await writer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(refusals >= 1);
        Assert.Equal(target, export.HighestWrite);
        for (long offset = 0; offset < target; offset += 16 * Block)
        {
            Assert.Equal(Stamp(offset, Block), await ReadAsync(export, offset, Block));
        }
    }
}
