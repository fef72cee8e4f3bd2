using System.Text.Json.Nodes;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Qemu;

/// <summary>
/// Volumes as a block domain without device-mapper reaches them: byte ranges of one PV (a loop
/// device here), opened by qemu as <c>json:</c> raw-offset slices. Needs root and losetup.
/// </summary>
public class QemuImgSliceTests
{
    private const long Slot = 64 << 20;
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly QemuImg _qemuImg = new();

    [Fact]
    public async Task A_snapshot_in_a_slice_is_created_written_committed_and_rebased_through_json_specs()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("qemu-slice");
        await using var pv = await LoopDevice.CreateAsync(dir.Path, 4 * Slot);
        var baseVolume = QemuTarget.Slice(pv.Path, 0, Slot);
        var topVolume = QemuTarget.Slice(pv.Path, Slot, Slot);

        await _qemuImg.CreateAsync(baseVolume, QemuImageFormat.Raw, Slot, cancellationToken: None);
        await QemuIoAsync("raw", baseVolume.Argument(QemuImageFormat.Raw), "write -P 0xaa 0 2M");
        await _qemuImg.CreateAsync(topVolume, QemuImageFormat.Qcow2, Slot, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);

        var info = await _qemuImg.InfoAsync(topVolume, QemuImageFormat.Qcow2, None);
        Assert.Equal((ParentA, "raw", Slot), (info.BackingFilename, info.BackingFormat, info.VirtualSize));
        Assert.Equal("/dev/" + ParentA, info.FullBackingFilename);

        // The chain, with the parent given explicitly: the header's bare UUID cannot resolve here.
        var chain = QemuTarget.Json(new JsonObject
        {
            ["driver"] = "qcow2",
            ["file"] = QemuTarget.SliceSpec(pv.Path, Slot, Slot),
            ["backing"] = QemuTarget.SliceSpec(pv.Path, 0, Slot),
        });
        await QemuIoAsync("qcow2", chain.Filename, "write -P 0xbb 1M 512k");
        var reference = QemuTarget.Path(dir.File("reference.raw"));
        await _qemuImg.ConvertAsync(chain, QemuImageFormat.Qcow2, reference, QemuImageFormat.Raw, cancellationToken: None);
        var progress = new List<double>();

        await _qemuImg.CommitAsync(chain, QemuImageFormat.Qcow2, progress: progress.Add, cancellationToken: None);
        await _qemuImg.RebaseUnsafeAsync(topVolume, new QemuBacking(ParentC, QemuImageFormat.Qcow2), None);

        Assert.Equal(100.0, progress[^1]);
        await QemuIoAsync("raw", baseVolume.Argument(QemuImageFormat.Raw), "read -P 0xaa 0 1M", "read -P 0xbb 1M 512k", "read -P 0xaa 1536k 512k");
        (await _qemuImg.CompareAsync(baseVolume, QemuImageFormat.Raw, reference, QemuImageFormat.Raw, cancellationToken: None)).EnsureIdentical("base after commit");
        var rebased = await _qemuImg.InfoAsync(topVolume, QemuImageFormat.Qcow2, None);
        Assert.Equal((ParentC, "qcow2"), (rebased.BackingFilename, rebased.BackingFormat));
        Assert.Equal(QemuCheckStatus.Clean, (await _qemuImg.CheckAsync(topVolume, QemuImageFormat.Qcow2, None)).Status);
    }

    [Fact]
    public async Task A_copy_into_a_slice_writes_it_in_place_and_its_header_reads_back_from_the_device()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("qemu-slice");
        await using var pv = await LoopDevice.CreateAsync(dir.Path, 4 * Slot);
        string source = dir.File("source.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", source, "32M");
        await QemuIoAsync("qcow2", source, "write -P 0x42 0 3M");
        var volume = QemuTarget.Slice(pv.Path, 2 * Slot, Slot);
        await _qemuImg.CreateAsync(volume, QemuImageFormat.Qcow2, 32 << 20, cancellationToken: None);

        // A json: target cannot be created, so ConvertAsync writes into the existing image (-n).
        // Without --target-is-zero, -n makes qemu-img write zeros over every hole (strict
        // compare then finds allocation differences); the image was just created, so it is zero.
        await _qemuImg.ConvertAsync(QemuTarget.Path(source), QemuImageFormat.Qcow2, volume, QemuImageFormat.Qcow2,
            new QemuConvertOptions { TargetIsZero = true }, cancellationToken: None);

        await using var device = DirectBlockDevice.Open(pv.Path, readOnly: true);
        var slot = new byte[64 << 10];
        await device.ReadAsync(2 * Slot, slot, None);
        var header = Qcow2Header.Read(slot, "slot 2");
        Assert.Equal((32L << 20, 3, (string?)null), (header.Size, header.Version, header.BackingFile));
        await QemuIoAsync("qcow2", volume.Argument(QemuImageFormat.Qcow2), "read -P 0x42 0 3M", "read -P 0 3M 29M");
        (await _qemuImg.CompareAsync(QemuTarget.Path(source), QemuImageFormat.Qcow2, volume, QemuImageFormat.Qcow2, strict: true, cancellationToken: None))
            .EnsureIdentical("copy in a slice");
    }

    [Fact]
    public async Task A_qcow2_header_created_in_a_slice_is_qemus_header()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("qemu-slice");
        await using var pv = await LoopDevice.CreateAsync(dir.Path, 4 * Slot);
        string file = dir.File(ParentB);
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", ParentA, "-F", "raw", "-u", file, "1G");

        await _qemuImg.CreateAsync(QemuTarget.Slice(pv.Path, Slot, Slot), QemuImageFormat.Qcow2, 1L << 30, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);

        await using var device = DirectBlockDevice.Open(pv.Path, readOnly: true);
        var slot = new byte[128 << 10];
        await device.ReadAsync(Slot, slot, None);
        var expected = await File.ReadAllBytesAsync(file);
        Assert.True(slot.AsSpan(0, 64 << 10).SequenceEqual(expected.AsSpan(0, 64 << 10)));
        Assert.Equal(ParentA, (await BackingFilePolicy.FormOnly.CheckImageAsync(file, None)).BackingFile);
    }

    [Fact]
    public async Task A_qcow2_volume_that_does_not_fit_its_slice_is_refused()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("qemu-slice");
        await using var pv = await LoopDevice.CreateAsync(dir.Path, 4 * Slot);

        var e = await Assert.ThrowsAsync<SanpoolException>(() =>
            _qemuImg.CreateAsync(QemuTarget.Slice(pv.Path, 3 * Slot, 64 << 10), QemuImageFormat.Qcow2, 1L << 30, cancellationToken: None));
        var raw = await Assert.ThrowsAsync<SanpoolException>(() =>
            _qemuImg.CreateAsync(QemuTarget.Slice(pv.Path, 3 * Slot, Slot), QemuImageFormat.Raw, 2 * Slot, cancellationToken: None));

        Assert.Equal(QemuErrors.QemuImgFailed, e.Code);
        Assert.Equal(QemuErrors.QemuImgFailed, raw.Code);
    }

    [Fact]
    public async Task The_backing_chain_of_a_slice_cannot_be_walked_by_qemu()
    {
        Requires.LoopDevices();
        using var dir = new TempDir("qemu-slice");
        await using var pv = await LoopDevice.CreateAsync(dir.Path, 4 * Slot);
        var volume = QemuTarget.Slice(pv.Path, 0, Slot);
        await _qemuImg.CreateAsync(volume, QemuImageFormat.Qcow2, Slot, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => _qemuImg.InfoChainAsync(volume, QemuImageFormat.Qcow2, None));

        Assert.Equal(QemuErrors.QemuImgFailed, e.Code);
        Assert.Contains("/dev/" + ParentA, e.Message, StringComparison.Ordinal);
    }
}
