using System.Buffers.Binary;
using System.Diagnostics;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Core.Tools;
using Sanpool.Storage.Lvm;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Lvm.LvmTestVg;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>
/// The report cache of <see cref="LvmCommand"/>: a report is answered from the last one only
/// while the devices' LVM metadata is byte for byte the same. Changes are made here by plain
/// lvm processes, as another host (or another agent) makes them, so only the on-disk
/// fingerprint can notice them. Real lvm on loop devices; needs root.
/// </summary>
public sealed class LvmReportCacheTests
{
    [Fact]
    public async Task A_report_of_unchanged_metadata_runs_lvm_once_and_a_change_made_elsewhere_runs_it_again()
    {
        await using var vg = await CreateAsync();
        using var dir = new TempDir("lvm-count");
        var (lvm, runs) = CountingLvm(vg, dir);

        var first = Assert.Single(await lvm.VgsAsync(vg.Vg));
        var second = Assert.Single(await lvm.VgsAsync(vg.Vg));
        Assert.Equal(first, second);
        Assert.Equal(1, Runs(runs, "vgs"));

        await ElsewhereAsync(vg, "vgchange", "--addtag", "changed_elsewhere", vg.Vg);
        var third = Assert.Single(await lvm.VgsAsync(vg.Vg));

        Assert.Contains("changed_elsewhere", third.Tags);
        Assert.Equal(2, Runs(runs, "vgs"));
    }

    [Fact]
    public async Task Every_kind_of_change_made_by_another_process_is_in_the_next_report()
    {
        await using var vg = await CreateAsync();
        var lvm = vg.Lvm;
        string lv = Guid.NewGuid().ToString();
        Assert.Empty(await lvm.LvsAsync(vg.Vg));

        await ElsewhereAsync(vg, "lvcreate", "--name", lv, "--size", $"{vg.ExtentSize}b", "--activate", "n", "--zero", "n", "--addtag", "one", vg.Vg);
        var created = Assert.Single(await lvm.LvsAsync(vg.Vg));
        Assert.Equal(vg.ExtentSize, created.Size);
        Assert.Equal(["one"], created.Tags.AsEnumerable());

        await ElsewhereAsync(vg, "lvextend", "--size", $"{3 * vg.ExtentSize}b", $"{vg.Vg}/{lv}");
        Assert.Equal(3 * vg.ExtentSize, Assert.Single(await lvm.LvsAsync(vg.Vg)).Size);

        await ElsewhereAsync(vg, "lvchange", "--deltag", "one", "--addtag", "two", $"{vg.Vg}/{lv}");
        Assert.Equal(["two"], Assert.Single(await lvm.LvsAsync(vg.Vg)).Tags.AsEnumerable());

        await ElsewhereAsync(vg, "lvremove", "--force", $"{vg.Vg}/{lv}");
        Assert.Empty(await lvm.LvsAsync(vg.Vg));

        await ElsewhereAsync(vg, "vgremove", "--force", vg.Vg);
        var gone = await Assert.ThrowsAsync<SanpoolException>(() => lvm.VgsAsync(vg.Vg));
        Assert.Equal(LvmErrors.VgNotFound, gone.Code);
    }

    [Fact]
    public async Task Metadata_text_corrupted_on_disk_is_not_answered_from_the_cache()
    {
        await using var vg = await CreateAsync();
        var lvm = vg.Lvm;
        Assert.Single(await lvm.VgsAsync(vg.Vg));

        // Flip one byte of the current metadata text (not its header): lvm's checksum fails.
        await using (var device = DirectBlockDevice.Open(vg.Device.Path))
        {
            byte[] head = await device.ReadAsync(0, 4096, TimeSpan.FromSeconds(5));
            var (area, _) = Assert.Single(LvmMetadataFingerprint.MetadataAreas(head)!);
            byte[] header = await device.ReadAsync(area, 512, TimeSpan.FromSeconds(5));
            long text = area + (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40));
            long sector = text / 512 * 512;
            byte[] block = await device.ReadAsync(sector, 512, TimeSpan.FromSeconds(5));
            block[text - sector + 2] ^= 0x20;
            await device.WriteAsync(sector, block, TimeSpan.FromSeconds(5));
        }

        var error = await Assert.ThrowsAsync<SanpoolException>(() => lvm.VgsAsync(vg.Vg));
        Assert.Equal(LvmErrors.VgNotFound, error.Code);
    }

    [Fact]
    public async Task A_domain_pv_lists_both_metadata_areas_and_its_digest_follows_each_commit()
    {
        await using var vg = await CreateAsync();
        var pv = await vg.AddDeviceAsync(GiB);
        await vg.For(pv).PvCreateAsync([pv.Path], 128 * MiB, ignoreMetadata: false);
        await using var device = DirectBlockDevice.Open(pv.Path, readOnly: true);

        var areas = LvmMetadataFingerprint.MetadataAreas(await device.ReadAsync(0, 4096, TimeSpan.FromSeconds(5)));
        Assert.NotNull(areas);
        Assert.Equal(2, areas.Count);
        Assert.Equal(4096, areas[0].Offset);
        Assert.True(areas[1].Offset >= GiB - 128 * MiB, $"the second area starts at {areas[1].Offset}");

        byte[]? blank = await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None);
        string other = Guid.NewGuid().ToString();
        await vg.For(pv).VgCreateAsync(other, [pv.Path], 4 * MiB, []);
        byte[]? created = await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None);
        byte[]? again = await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None);
        await vg.For(pv).VgChangeTagsAsync(other, ["tagged"], []);
        byte[]? tagged = await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None);
        await vg.For(pv).VgRemoveAsync(other);

        Assert.NotNull(blank);
        Assert.Equal(created, again);
        Assert.NotEqual(blank, created);
        Assert.NotEqual(created, tagged);
    }

    [Fact]
    public async Task Text_that_wraps_around_its_ring_is_digested_in_both_pieces_and_nothing_else()
    {
        const long area = 4096, areaSize = 64 * 1024;
        var disk = new MemoryDisk(1024 * 1024);
        var device = disk.Open();
        byte[] label = new byte[512];
        "LABELONE"u8.CopyTo(label);
        BinaryPrimitives.WriteUInt64LittleEndian(label.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(label.AsSpan(20), 32);
        "LVM2 001"u8.CopyTo(label.AsSpan(24));
        // PV header at 32: uuid (32 bytes), device size, data areas (one, then zeros), metadata areas (one, then zeros).
        BinaryPrimitives.WriteUInt64LittleEndian(label.AsSpan(32 + 32), 1024 * 1024);
        BinaryPrimitives.WriteUInt64LittleEndian(label.AsSpan(32 + 40), 128 * 1024);
        BinaryPrimitives.WriteUInt64LittleEndian(label.AsSpan(32 + 72), area);
        BinaryPrimitives.WriteUInt64LittleEndian(label.AsSpan(32 + 80), areaSize);
        disk.Write(512, label);
        byte[] header = new byte[512];
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(40), areaSize - 1000); // the text's offset in the area
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(48), 3000);            // 1000 bytes at the end, 2000 after the header
        disk.Write(area, header);

        byte[] before = (await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None))!;
        disk.Write(area + 512 + 1999, [1]); // the last byte of the wrapped piece
        byte[] tail = (await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None))!;
        disk.Write(area + areaSize - 1000, [1]); // the first byte of the text
        byte[] start = (await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None))!;
        disk.Write(area + 512 + 2000, [1]); // just past the text
        byte[] outside = (await LvmMetadataFingerprint.DigestAsync(device, CancellationToken.None))!;

        Assert.NotEqual(before, tail);
        Assert.NotEqual(tail, start);
        Assert.Equal(start, outside);
    }

    [Fact]
    public async Task A_device_that_does_not_answer_gives_no_digest_in_time_and_is_not_read_again_while_stuck()
    {
        using var dir = new TempDir("lvm-hang");
        string fifo = Path.Combine(dir.Path, "hung");
        Assert.Equal(0, (await ExternalTool.RunAsync(["mkfifo", fifo], TimeSpan.FromSeconds(10), CancellationToken.None)).ExitCode);

        // Opening a FIFO for reading blocks until a writer comes: a read that never returns.
        var watch = Stopwatch.StartNew();
        Assert.Null(await LvmMetadataFingerprint.ReadAsync([fifo], TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");

        watch.Restart();
        Assert.Null(await LvmMetadataFingerprint.ReadAsync([fifo], TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"a second read was stacked on the stuck one ({watch.Elapsed})");

        // Release the stuck open: a writer that closes at once.
        await using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
        }
    }

    /// <summary>A command over <paramref name="vg"/>'s devices whose lvm is a wrapper that logs each verb it runs.</summary>
    private static (LvmCommand Lvm, string Log) CountingLvm(LvmTestVg vg, TempDir dir)
    {
        string log = Path.Combine(dir.Path, "runs");
        string wrapper = Path.Combine(dir.Path, "lvm");
        File.WriteAllText(wrapper, $"#!/bin/sh\necho \"$1\" >> '{log}'\nexec '{vg.Lvm.Options.LvmPath}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return (new LvmCommand(vg.Lvm.Options with { LvmPath = wrapper }), log);
    }

    private static int Runs(string log, string verb) =>
        File.Exists(log) ? File.ReadAllLines(log).Count(l => l == verb) : 0;

    /// <summary>Runs lvm as a separate process, as another host would: nothing in this process hears of it.</summary>
    private static async Task ElsewhereAsync(LvmTestVg vg, string verb, params string[] args)
    {
        var result = await ExternalTool.RunAsync(
            [vg.Lvm.Options.LvmPath, verb, "--config", LvmConfig.Build(vg.Lvm.Options.Devices), "-qq", .. args],
            TimeSpan.FromSeconds(30),
            CancellationToken.None,
            check: false);
        Assert.True(result.ExitCode == 0, $"lvm {verb}: {result.Stderr}");
    }
}
