using Sanpool.Core;
using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Qemu;

public class QemuImgTests
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly QemuImg _qemuImg = new();

    [Fact]
    public async Task A_snapshot_over_a_present_parent_names_it_by_uuid_and_format()
    {
        using var dir = new TempDir("qemu-img");
        await _qemuImg.CreateAsync(QemuTarget.Path(dir.File(ParentA)), QemuImageFormat.Raw, GiB, cancellationToken: None);
        await _qemuImg.CreateAsync(QemuTarget.Path(dir.File(ParentB)), QemuImageFormat.Qcow2, GiB, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);

        var info = await _qemuImg.InfoAsync(QemuTarget.Path(dir.File(ParentB)), QemuImageFormat.Qcow2, None);

        Assert.Equal("qcow2", info.Format);
        Assert.Equal(GiB, info.VirtualSize);
        Assert.Equal("1.1", info.Compat);
        Assert.Equal(ParentA, info.BackingFilename);
        Assert.Equal(dir.File(ParentA), info.FullBackingFilename);
        Assert.Equal("raw", info.BackingFormat);
        Assert.Equal(65536, info.ClusterSize);
        Assert.False(info.DirtyFlag);
        Assert.False(info.Corrupt);
    }

    [Fact]
    public async Task A_snapshot_over_an_unreachable_parent_is_created_with_u_where_plain_qemu_img_fails()
    {
        using var dir = new TempDir("qemu-img");
        var plain = await ToolRunner.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", ParentA, "-F", "raw", dir.File("plain"), "1G"]);
        Assert.False(plain.Succeeded);
        Assert.Contains("Could not open backing image", plain.StandardError, StringComparison.Ordinal);

        await _qemuImg.CreateAsync(QemuTarget.Path(dir.File(ParentB)), QemuImageFormat.Qcow2, GiB, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);

        var header = await Qcow2Header.ReadAsync(dir.File(ParentB), None);
        Assert.Equal(ParentA, header.BackingFile);
        Assert.Equal("raw", header.BackingFormat);
        Assert.Equal(3, header.Version);
    }

    [Theory]
    [InlineData("../" + ParentA)]
    [InlineData("json:{\"driver\":\"file\",\"filename\":\"/etc/passwd\"}")]
    public async Task An_unsafe_backing_name_is_refused_before_anything_is_created(string name)
    {
        using var dir = new TempDir("qemu-img");

        var e = await Assert.ThrowsAsync<SanpoolException>(() =>
            _qemuImg.CreateAsync(QemuTarget.Path(dir.File(ParentB)), QemuImageFormat.Qcow2, GiB, new QemuBacking(name, QemuImageFormat.Raw), cancellationToken: None));

        Assert.Equal(QemuErrors.UnsafeBackingFile, e.Code);
        Assert.False(File.Exists(dir.File(ParentB)));
    }

    [Fact]
    public async Task A_preallocated_raw_volume_takes_its_space()
    {
        using var dir = new TempDir("qemu-img");
        await _qemuImg.CreateAsync(QemuTarget.Path(dir.File(ParentA)), QemuImageFormat.Raw, 8 << 20, preallocation: QemuPreallocation.Falloc, cancellationToken: None);

        var info = await _qemuImg.InfoAsync(QemuTarget.Path(dir.File(ParentA)), QemuImageFormat.Raw, None);

        Assert.Equal(8 << 20, info.VirtualSize);
        Assert.True(info.ActualSize >= 8 << 20, $"actual size {info.ActualSize}");
        Assert.Null(info.Compat);
    }

    [Fact]
    public async Task The_backing_chain_is_reported_top_first()
    {
        using var dir = new TempDir("qemu-img");
        await QemuImgAsync("create", "-q", "-f", "raw", dir.File(ParentA), "1G");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-b", ParentA, "-F", "raw", dir.File(ParentB), "1G");
        await QemuImgAsync("create", "-q", "-f", "qcow2", "-b", ParentB, "-F", "qcow2", dir.File(ParentC), "1G");

        var chain = await _qemuImg.InfoChainAsync(QemuTarget.Path(dir.File(ParentC)), QemuImageFormat.Qcow2, None);

        Assert.Equal([dir.File(ParentC), dir.File(ParentB), dir.File(ParentA)], chain.Select(i => i.Filename));
        Assert.Equal(["qcow2", "qcow2", "raw"], chain.Select(i => i.Format));
        Assert.Equal([ParentB, ParentA, null], chain.Select(i => i.BackingFilename));
    }

    [Fact]
    public async Task Check_reports_clean_leaks_corruption_and_formats_without_checks()
    {
        using var dir = new TempDir("qemu-img");
        string clean = dir.File("clean.qcow2"), leaky = dir.File("leaky.qcow2"), corrupt = dir.File("corrupt.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", clean, "64M");
        await QemuIoAsync("qcow2", clean, "write -P 1 0 64k");
        File.Copy(clean, leaky);
        File.Copy(clean, corrupt);

        // The first refcount block is cluster 2 of a fresh image; 16-bit refcounts.
        // Leak: an unused seventh cluster with refcount 1. Corruption: the data cluster (4) with refcount 0.
        using (var s = new FileStream(leaky, FileMode.Open))
        {
            s.SetLength(7 * 65536);
        }

        await PatchAsync(leaky, (2 * 65536) + (2 * 6), [0, 1]);
        await PatchAsync(corrupt, (2 * 65536) + (2 * 4), [0, 0]);
        await QemuImgAsync("create", "-q", "-f", "raw", dir.File("raw"), "1M");

        var c = await _qemuImg.CheckAsync(QemuTarget.Path(clean), QemuImageFormat.Qcow2, None);
        var l = await _qemuImg.CheckAsync(QemuTarget.Path(leaky), QemuImageFormat.Qcow2, None);
        var k = await _qemuImg.CheckAsync(QemuTarget.Path(corrupt), QemuImageFormat.Qcow2, None);
        var r = await _qemuImg.CheckAsync(QemuTarget.Path(dir.File("raw")), QemuImageFormat.Raw, None);

        Assert.Equal((QemuCheckStatus.Clean, 6 * 65536L, 1L, 0L, 0L), (c.Status, c.ImageEndOffset!.Value, c.AllocatedClusters!.Value, c.Leaks, c.Corruptions));
        Assert.Equal((QemuCheckStatus.Leaks, 1L, 0L), (l.Status, l.Leaks, l.Corruptions));
        Assert.Equal((QemuCheckStatus.Corrupt, 2L), (k.Status, k.Corruptions));
        Assert.Equal(QemuCheckStatus.NotSupported, r.Status);
        l.EnsureConsistent();
        Assert.Equal(QemuErrors.ImageCorrupt, Assert.Throws<SanpoolException>(() => l.EnsureConsistent(allowLeaks: false)).Code);
        Assert.Equal(QemuErrors.ImageCorrupt, Assert.Throws<SanpoolException>(() => k.EnsureConsistent()).Code);
    }

    [Fact]
    public async Task Measure_reports_required_and_fully_allocated_sizes()
    {
        using var dir = new TempDir("qemu-img");
        string image = dir.File("data.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", image, "1G");
        await QemuIoAsync("qcow2", image, "write -P 7 0 8M");

        var empty = await _qemuImg.MeasureSizeAsync(GiB, QemuImageFormat.Qcow2, None);
        var full = await _qemuImg.MeasureAsync(QemuTarget.Path(image), QemuImageFormat.Qcow2, QemuImageFormat.Qcow2, None);
        var raw = await _qemuImg.MeasureAsync(QemuTarget.Path(image), QemuImageFormat.Qcow2, QemuImageFormat.Raw, None);

        Assert.Equal(new QemuImageMeasure(393216, 1074135040, null), empty);
        Assert.Equal(empty.FullyAllocated, full.FullyAllocated);
        Assert.Equal(empty.Required + (8 << 20), full.Required);
        Assert.Equal(0, full.Bitmaps);
        Assert.Equal(GiB, raw.Required);
    }

    [Fact]
    public async Task Convert_reports_progress_as_qemu_img_prints_it_up_to_100()
    {
        using var dir = new TempDir("qemu-img");
        string source = dir.File("source.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", source, "64M");
        await QemuIoAsync("qcow2", source, "write -P 0xab 0 32M");
        var seen = new List<double>();

        await _qemuImg.ConvertAsync(QemuTarget.Path(source), QemuImageFormat.Qcow2, QemuTarget.Path(dir.File("copy.qcow2")), QemuImageFormat.Qcow2,
            progress: seen.Add, cancellationToken: None);

        Assert.Equal(100.0, seen[^1]);
        Assert.True(seen.Count >= 2, $"progress {string.Join(", ", seen)}");
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First < p.Second));
        await QemuIoAsync("qcow2", dir.File("copy.qcow2"), "read -P 0xab 0 32M", "read -P 0 32M 32M");
        Assert.Equal("1.1", (await _qemuImg.InfoAsync(QemuTarget.Path(dir.File("copy.qcow2")), QemuImageFormat.Qcow2, None)).Compat);
    }

    [Fact]
    public async Task Compare_says_same_or_where_the_images_differ_and_fails_on_errors()
    {
        using var dir = new TempDir("qemu-img");
        string a = dir.File("a.qcow2"), b = dir.File("b.raw");
        await QemuImgAsync("create", "-q", "-f", "qcow2", a, "4M");
        await QemuImgAsync("create", "-q", "-f", "raw", b, "4M");
        await QemuIoAsync("qcow2", a, "write -P 5 1M 64k");
        await QemuIoAsync("raw", b, "write -P 5 1M 64k");

        var same = await _qemuImg.CompareAsync(QemuTarget.Path(a), QemuImageFormat.Qcow2, QemuTarget.Path(b), QemuImageFormat.Raw, cancellationToken: None);
        await QemuIoAsync("raw", b, "write -P 6 2M 512");
        var different = await _qemuImg.CompareAsync(QemuTarget.Path(a), QemuImageFormat.Qcow2, QemuTarget.Path(b), QemuImageFormat.Raw, cancellationToken: None);
        var missing = await Assert.ThrowsAsync<SanpoolException>(() =>
            _qemuImg.CompareAsync(QemuTarget.Path(a), QemuImageFormat.Qcow2, QemuTarget.Path(dir.File("nothing")), QemuImageFormat.Raw, cancellationToken: None));

        Assert.True(same.Identical);
        same.EnsureIdentical("copy");
        Assert.False(different.Identical);
        Assert.Equal(2L << 20, different.MismatchOffset);
        Assert.Equal(QemuErrors.ImagesDiffer, Assert.Throws<SanpoolException>(() => different.EnsureIdentical("copy")).Code);
        Assert.Equal(QemuErrors.QemuImgFailed, missing.Code);
        Assert.Contains("exited with 2", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspection_runs_under_prlimit_and_fails_cleanly_past_its_memory_limit()
    {
        using var dir = new TempDir("qemu-img");
        string image = dir.File("image.qcow2");
        await QemuImgAsync("create", "-q", "-f", "qcow2", image, "1G");
        var tight = new QemuImg(new QemuImgOptions { UntrustedImageLimits = new ProcessLimits(CpuSeconds: 5, AddressSpaceBytes: 20_000_000) });

        var e = await Assert.ThrowsAsync<SanpoolException>(() => tight.InfoAsync(QemuTarget.Path(image), QemuImageFormat.Qcow2, None));

        Assert.Equal(QemuErrors.QemuImgFailed, e.Code);
        Assert.Matches(@"^\S*prlimit --cpu=5 --as=20000000 -- \S*qemu-img info ", e.Message);
        Assert.Equal(GiB, (await _qemuImg.InfoAsync(QemuTarget.Path(image), QemuImageFormat.Qcow2, None)).VirtualSize);
    }

    [Fact]
    public async Task Data_commands_run_at_idle_priority()
    {
        using var dir = new TempDir("qemu-img");

        var e = await Assert.ThrowsAsync<SanpoolException>(() =>
            _qemuImg.ConvertAsync(QemuTarget.Path(dir.File("missing")), QemuImageFormat.Raw, QemuTarget.Path(dir.File("copy")), QemuImageFormat.Raw, cancellationToken: None));

        Assert.Equal(QemuErrors.QemuImgFailed, e.Code);
        Assert.Matches(@"^\S*nice -n 19 \S*ionice -c 3 \S*qemu-img convert -p -f raw -O raw -t none ", e.Message);
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_program_is_named()
    {
        var qemuImg = new QemuImg(new QemuImgOptions { QemuImgPath = "/nonexistent/qemu-img" });

        var e = await Assert.ThrowsAsync<SanpoolException>(() => qemuImg.MeasureSizeAsync(GiB, QemuImageFormat.Qcow2, None));

        Assert.Equal(QemuErrors.QemuToolMissing, e.Code);
        Assert.Contains("/nonexistent/qemu-img", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_past_its_deadline_is_killed_and_transient()
    {
        using var dir = new TempDir("qemu-img");
        string slow = WriteScript(dir, "slow-qemu-img", "sleep 30");
        var qemuImg = new QemuImg(new QemuImgOptions { QemuImgPath = slow, MetadataTimeout = TimeSpan.FromMilliseconds(300) });
        var started = DateTime.UtcNow;

        var e = await Assert.ThrowsAsync<SanpoolException>(() => qemuImg.MeasureSizeAsync(GiB, QemuImageFormat.Qcow2, None));

        Assert.Equal(QemuErrors.QemuImgTimeout, e.Code);
        Assert.True(e.IsTransient);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Cancellation_kills_the_run()
    {
        using var dir = new TempDir("qemu-img");
        string slow = WriteScript(dir, "slow-qemu-img", "sleep 30");
        var qemuImg = new QemuImg(new QemuImgOptions { QemuImgPath = slow });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => qemuImg.MeasureSizeAsync(GiB, QemuImageFormat.Qcow2, cts.Token));
    }

    [Fact]
    public async Task Output_that_is_not_json_is_bad_output_naming_the_command()
    {
        using var dir = new TempDir("qemu-img");
        string liar = WriteScript(dir, "liar-qemu-img", "echo 'image: x'");

        var e = await Assert.ThrowsAsync<SanpoolException>(() =>
            new QemuImg(new QemuImgOptions { QemuImgPath = liar }).MeasureSizeAsync(GiB, QemuImageFormat.Qcow2, None));

        Assert.Equal(QemuErrors.QemuImgBadOutput, e.Code);
        Assert.Contains("liar-qemu-img measure --output json", e.Message, StringComparison.Ordinal);
    }

    private static string WriteScript(TempDir dir, string name, string body)
    {
        string path = dir.File(name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
