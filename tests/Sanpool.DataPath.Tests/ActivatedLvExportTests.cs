using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Nbd;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Volumes;
using Sanpool.TestSupport;

using static Sanpool.DataPath.Tests.ExportBytes;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// The activated-LV data path (<see cref="ActivatedLv"/>) under a real <see cref="LvExport"/>.
/// This machine has no device-mapper, so the "activated LV" is a real loop device standing in
/// for the LV's node, and the refresh (<c>lvchange --refresh</c> on a host with dm) is what
/// makes a held-open node grow in the same way: its backing file is grown and
/// <c>losetup -c</c> re-reads its capacity. What is tested is everything above the node: the
/// size comes from the open node, writes past it are ENOSPC, a refresh grows it with writers
/// going on, and the bytes land at the LV's own offsets.
/// </summary>
public sealed class ActivatedLvExportTests
{
    private const long MiB = 1024 * 1024;
    private static readonly VolumeIdentity Identity = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

    [Fact]
    public async Task A_write_past_the_node_is_ENOSPC_until_a_refresh_grows_it_and_then_lands_at_the_same_offset()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("actlv");
        await using var node = await LoopDevice.CreateAsync(dir.Path, 4 * MiB);
        bool released = false;
        await using var export = Open(node, 16 * MiB, () => released = true);
        long? outOfSpace = null;
        export.OutOfSpace += (_, end) => outOfSpace = end;

        Assert.Equal((16 * MiB, 4 * MiB), (export.Size, export.CurrentSize));
        var block = Filled(65536, 0x3c);
        var refused = await Assert.ThrowsAsync<NbdExportException>(() => export.WriteAsync((4 * MiB) - 4096, block, fua: false, default).AsTask());
        Assert.Equal(NbdErrno.ENOSPC, refused.Errno);
        Assert.Equal((4 * MiB) + 61440, outOfSpace);

        await GrowAsync(node, 8 * MiB);
        Assert.Equal(8 * MiB, await export.RefreshAsync(default));
        await export.WriteAsync((4 * MiB) - 4096, block, fua: true, default);

        Assert.Equal((4 * MiB) + 61440, export.HighestWrite);
        Assert.Equal(block, await ReadAsync(export, (4 * MiB) - 4096, block.Length));
        await using var raw = DirectBlockDevice.Open(node.Path, readOnly: true);
        var onNode = new byte[block.Length];
        await raw.ReadAsync((4 * MiB) - 4096, onNode);
        Assert.Equal(block, onNode);
        Assert.Equal(new byte[4096], await ReadAsync(export, 12 * MiB, 4096));
        Assert.False(released);
        await export.DisposeAsync();
        Assert.True(released);
    }

    [Fact]
    public async Task A_sequential_writer_goes_on_through_the_refresh_and_loses_nothing()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("actlv");
        await using var node = await LoopDevice.CreateAsync(dir.Path, 4 * MiB);
        await using var export = Open(node, 16 * MiB, release: null);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        export.OutOfSpace += (_, _) => waiting.TrySetResult();

        const int Block = 65536;
        long target = 12 * MiB;
        var writer = WriteThroughRefusalsAsync(export, target, Block);

        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await GrowAsync(node, target);
        await export.RefreshAsync(default);
        int refused = await writer.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(refused >= 1);
        Assert.Equal(target, export.HighestWrite);
        for (long offset = 0; offset < target; offset += Block)
        {
            Assert.Equal(Stamp(offset, Block), await ReadAsync(export, offset, Block));
        }
    }

    [Fact]
    public async Task A_node_that_shrank_is_refused_and_writes_stay_within_the_size_known()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("actlv");
        await using var node = await LoopDevice.CreateAsync(dir.Path, 8 * MiB);
        await using var export = Open(node, 16 * MiB, release: null);

        await GrowAsync(node, 4 * MiB);
        var error = await Assert.ThrowsAsync<SanpoolException>(() => export.RefreshAsync(default));

        Assert.Equal(LvmErrors.BadReport, error.Code);
        Assert.Equal(8 * MiB, export.CurrentSize);
    }

    [Fact]
    public void Auto_picks_the_activated_path_only_with_device_mapper_and_activated_without_it_is_refused()
    {
        Assert.Equal(LvDataPathMode.Activated, DeviceMapper.Resolve(LvDataPathMode.Auto, available: true));
        Assert.Equal(LvDataPathMode.Segments, DeviceMapper.Resolve(LvDataPathMode.Auto, available: false));
        Assert.Equal(LvDataPathMode.Segments, DeviceMapper.Resolve(LvDataPathMode.Segments, available: true));
        Assert.Equal(LvDataPathMode.Activated, DeviceMapper.Resolve(LvDataPathMode.Activated, available: true));
        var error = Assert.Throws<SanpoolException>(() => DeviceMapper.Resolve(LvDataPathMode.Activated, available: false));
        Assert.Equal(DataPathErrors.NoDeviceMapper, error.Code);
        Assert.Contains("/dev/mapper/control", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_probe_needs_a_node_that_opens_not_only_one_that_exists()
    {
        using var dir = new TempDir("actlv");
        Assert.False(DeviceMapper.CanOpen(dir.File("control")));
        Assert.True(DeviceMapper.CanOpen("/dev/null"));
    }

    private static LvExport Open(LoopDevice node, long exportSize, Action? release)
    {
        var device = DirectBlockDevice.Open(node.Path, readOnly: false, sync: false);
        var backing = new ActivatedLv(
            device,
            ct => Task.CompletedTask,
            release is null ? null : () =>
            {
                release();
                return Task.CompletedTask;
            },
            $"LV test/{Identity.Volume} at {node.Path}");
        return new LvExport(backing, Identity, exportSize, readOnly: false);
    }

    /// <summary>What lvchange --refresh does to an active LV's node, done to the loop device: its new size shows through the open fd.</summary>
    private static async Task GrowAsync(LoopDevice node, long size)
    {
        await using (var file = new FileStream(node.BackingFile, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(size);
        }

        (await ToolRunner.RunAsync("losetup", ["--set-capacity", node.Path])).EnsureSuccess();
    }
}
