using System.Security.Cryptography;
using Sanpool.Nbd.Tests.Support;
using Xunit.Abstractions;
using static Sanpool.Nbd.Tests.Support.Qemu;

namespace Sanpool.Nbd.Tests;

/// <summary>Sanpool's NBD server against the real clients: qemu-io and qemu-img 7.2 over a unix socket.</summary>
public sealed class NbdQemuInteropTests(ITestOutputHelper output)
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Qemu_io_writes_reads_flushes_discards_and_writes_zeroes()
    {
        var disk = new MemoryExport("disk", 16 * MiB);
        disk.Bytes.Fill(0x77);
        await using var f = ServerFixture.Start(output, null, disk);

        string log = await IoAsync("raw", f.Uri("disk"),
            "write -P 0xab 0 1M", "read -P 0xab 0 1M", "flush",
            "write -f -P 0xcd 1M 64k", "discard 4M 1M", "write -z 2M 1M", "write -z -u 3M 512k",
            "read -P 0 2M 1M", "read -P 0x77 5M 1M", "read -P 0xcd 1M 64k");
        output.WriteLine(log);

        Assert.All(disk.Bytes[..MiB].ToArray(), b => Assert.Equal(0xab, b));
        Assert.All(disk.Bytes[MiB..(MiB + 65536)].ToArray(), b => Assert.Equal(0xcd, b));
        Assert.All(disk.Bytes[(2 * MiB)..(3 * MiB + 512 * 1024)].ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0x77, disk.Bytes[(3 * MiB) + (512 * 1024)]);
        Assert.True(disk.Flushes >= 1, "flush reached the export");
        Assert.True(disk.FuaWrites + disk.Flushes >= 2, "write -f was made stable (FUA, or a flush after it)");
        Assert.Equal(1, disk.Trims);
        Assert.Equal(1, disk.ZeroesWithoutHole);
    }

    [Fact]
    public async Task A_write_past_a_thin_exports_current_end_makes_qemu_io_report_no_space_left_on_device()
    {
        var disk = new MemoryExport("thin", 16 * MiB) { CurrentEnd = 4 * MiB };
        await using var f = ServerFixture.Start(output, null, disk);

        var (_, text) = await TryAsync("qemu-io", "-f", "raw", f.Uri("thin"), "-c", "write -P 1 0 1M", "-c", "write -P 2 4M 64k", "-c", "read -P 1 0 1M");
        output.WriteLine(text);
        Assert.Contains("No space left on device", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Pattern verification failed", text, StringComparison.Ordinal);
        Assert.Equal(1, disk.Bytes[0]);

        // Once the volume has grown, the same write goes through on a new connection as on the old.
        disk.CurrentEnd = disk.Size;
        await IoAsync("raw", f.Uri("thin"), "write -P 2 4M 64k", "read -P 2 4M 64k");
    }

    [Fact]
    public async Task Qemu_img_converts_into_and_out_of_an_export_and_compares_equal()
    {
        var disk = new MemoryExport("disk", 32 * MiB);
        await using var f = ServerFixture.Start(output, null, disk);
        string source = f.Dir.File("source.raw");
        byte[] data = new byte[32 * MiB];
        RandomNumberGenerator.Fill(data.AsSpan(0, 8 * MiB));
        RandomNumberGenerator.Fill(data.AsSpan(20 * MiB, 3 * MiB));
        await File.WriteAllBytesAsync(source, data);

        await ImgAsync("convert", "-n", "-W", "-m", "16", "-f", "raw", "-O", "raw", source, f.Uri("disk"));
        Assert.True(disk.Bytes.SequenceEqual(data), "the export holds what was converted into it");
        Assert.True(disk.MaxConcurrent >= 1);

        string back = f.Dir.File("back.raw");
        await ImgAsync("convert", "-f", "raw", "-O", "raw", f.Uri("disk"), back);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(back)));
        await ImgAsync("compare", "-f", "raw", "-F", "raw", f.Uri("disk"), source);

        disk.Bytes[25 * MiB] ^= 1;
        var (code, text) = await TryAsync("qemu-img", "compare", "-f", "raw", "-F", "raw", f.Uri("disk"), source);
        Assert.Equal(1, code);
        Assert.Contains("Content mismatch at offset 26214400", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qemu_img_creates_qcow2_on_an_export_and_qemu_io_uses_it_through_a_json_spec()
    {
        var disk = new MemoryExport("vol", 64 * MiB);
        await using var f = ServerFixture.Start(output, null, disk);

        await ImgAsync("create", "-q", "-f", "qcow2", f.Uri("vol"), "1G");
        Assert.Equal("QFI\xfb", System.Text.Encoding.Latin1.GetString(disk.Bytes[..4]));

        string spec = new NbdExportAddress(f.Socket, "vol").ToJsonSpec("qcow2");
        Assert.Equal($$$"""json:{"driver":"qcow2","file":{"driver":"nbd","server":{"type":"unix","path":"{{{f.Socket}}}"},"export":"vol"}}""", spec);
        await IoJsonAsync(spec, "write -P 0x5a 0 4M", "write -P 0x33 900M 1M", "flush");
        await IoJsonAsync(spec, "read -P 0x5a 0 4M", "read -P 0x33 900M 1M", "read -P 0 4M 1M");
        string check = await ImgAsync("check", spec);
        Assert.Contains("No errors were found", check, StringComparison.Ordinal);
        string info = await ImgAsync("info", "--output=json", spec);
        Assert.Contains("\"virtual-size\": 1073741824", info, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qemu_img_pipelines_requests_and_the_server_runs_them_at_once()
    {
        var disk = new MemoryExport("disk", 32 * MiB) { Delay = TimeSpan.FromMilliseconds(5) };
        await using var f = ServerFixture.Start(output, null, disk);
        string source = f.Dir.File("source.raw");
        byte[] data = new byte[32 * MiB];
        RandomNumberGenerator.Fill(data);
        await File.WriteAllBytesAsync(source, data);

        await ImgAsync("convert", "-n", "-W", "-m", "16", "-S", "0", "-f", "raw", "-O", "raw", source, f.Uri("disk"));
        await ImgAsync("bench", "-f", "raw", "-c", "256", "-d", "16", "-s", "64k", f.Uri("disk"));

        output.WriteLine($"most requests inside the export at once: {disk.MaxConcurrent}");
        Assert.True(disk.MaxConcurrent > 1, $"requests were handled one by one ({disk.MaxConcurrent})");
        Assert.True(disk.Bytes.SequenceEqual(data));
    }

    [Fact]
    public async Task A_file_export_serves_qemu_img_with_direct_io_and_round_trips_the_data()
    {
        await using var f = ServerFixture.Start(output);
        string backing = f.Dir.File("backing.raw");
        await using (var s = File.Create(backing))
        {
            s.SetLength(16 * MiB);
        }

        using var export = FileExport.Open("file", backing);
        Assert.True(export.IsDirect, "/tmp is ext4 here, where O_DIRECT works");
        Assert.Equal(512, export.MinimumBlockSize);
        f.Server.AddExport(export);

        string source = f.Dir.File("source.raw");
        byte[] data = new byte[16 * MiB];
        RandomNumberGenerator.Fill(data.AsSpan(MiB, 5 * MiB));
        await File.WriteAllBytesAsync(source, data);
        await ImgAsync("convert", "-n", "-W", "-m", "8", "-f", "raw", "-O", "raw", source, f.Uri("file"));
        await IoAsync("raw", f.Uri("file"), "flush", "write -z 10M 1M", "discard 12M 1M", "read -P 0 10M 1M");
        await ImgAsync("compare", "-f", "raw", "-F", "raw", f.Uri("file"), source);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(backing)));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task A_file_export_of_a_loop_device_has_its_size_and_sector_size_and_serves_qemu_img(int sectorSize)
    {
        Sanpool.TestSupport.Requires.LoopDevices();
        await using var f = ServerFixture.Start(output);
        await using var loop = await Sanpool.BlockIO.LoopDevice.CreateAsync(f.Dir.Path, 32 * MiB, sectorSize);
        using var export = FileExport.Open("lun", loop.Path);
        Assert.Equal(32L * MiB, export.Size);
        Assert.Equal(sectorSize, export.MinimumBlockSize);
        f.Server.AddExport(export);

        string source = f.Dir.File("source.raw");
        byte[] data = new byte[32 * MiB];
        RandomNumberGenerator.Fill(data.AsSpan(3 * MiB, 7 * MiB));
        await File.WriteAllBytesAsync(source, data);
        await ImgAsync("convert", "-n", "-f", "raw", "-O", "raw", source, f.Uri("lun"));
        await IoAsync("raw", f.Uri("lun"), "write -z 20M 1M", "read -P 0 20M 1M", "flush");
        await ImgAsync("compare", "-f", "raw", "-F", "raw", f.Uri("lun"), source);
    }

    [Fact]
    public async Task Qemu_nbd_list_shows_every_export_with_its_size_and_block_sizes()
    {
        await using var f = ServerFixture.Start(output, null, new MemoryExport("alpha", 4 * MiB), new MemoryExport("beta", 8 * MiB, minimumBlockSize: 4096, readOnly: true));
        var (code, text) = await TryAsync("qemu-nbd", "--list", "-k", f.Socket);
        output.WriteLine(text);
        Assert.Equal(0, code);
        Assert.Contains("exports available: 2", text, StringComparison.Ordinal);
        Assert.Contains("export: 'alpha'", text, StringComparison.Ordinal);
        Assert.Contains("size:  4194304", text, StringComparison.Ordinal);
        Assert.Contains("export: 'beta'", text, StringComparison.Ordinal);
        Assert.Contains("size:  8388608", text, StringComparison.Ordinal);
        Assert.Contains("min block: 4096", text, StringComparison.Ordinal);
        Assert.Contains("flags: 0x16f ( readonly flush fua trim zeroes multi )", text, StringComparison.Ordinal);
        Assert.Contains("max block: 33554432", text, StringComparison.Ordinal);
    }
}
