using System.Diagnostics;
using Sanpool.BlockIO;
using Sanpool.TestSupport;
using Xunit.Abstractions;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// qemu-img convert of 256 MiB with O_DIRECT on both sides, file to file and through the
/// mount in each direction; the copies must compare identical, and the rates go to the test
/// output (needs root). Not a benchmark: one run on a shared machine.
/// </summary>
public sealed class VolumeFileSystemThroughputTests(ITestOutputHelper output) : IDisposable
{
    private const long Size = 256 << 20;

    private readonly TempDir _dir = new("fuse-rate");

    [Fact]
    public async Task Converting_256_MiB_through_the_mount_copies_every_byte()
    {
        string source = _dir.File("source");
        await WriteRandomAsync(source);
        string fileTarget = _dir.CreateSparseFile("file-target", Size);
        string volumeBacking = _dir.CreateSparseFile("volume", Size);
        string fromVolume = _dir.CreateSparseFile("from-volume", Size);
        await using var volume = DirectBlockDevice.Open(volumeBacking);
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", volume);

        await ConvertAsync("file to file", source, fileTarget);
        await ConvertAsync("file to FUSE volume", source, mount.PathOf("vol"));
        await ConvertAsync("FUSE volume to file", mount.PathOf("vol"), fromVolume);

        await QemuImgAsync("compare", "-q", "-f", "raw", "-F", "raw", mount.PathOf("vol"), source);
        await QemuImgAsync("compare", "-q", "-f", "raw", "-F", "raw", fromVolume, source);
    }

    public void Dispose() => _dir.Dispose();

    private async Task ConvertAsync(string what, string from, string to)
    {
        var clock = Stopwatch.StartNew();
        await QemuImgAsync("convert", "-n", "-t", "none", "-T", "none", "-f", "raw", "-O", "raw", from, to);
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"{what}: {Size >> 20} MiB in {seconds:F2} s = {(Size >> 20) / seconds:F0} MiB/s");
    }

    private static async Task WriteRandomAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var chunk = new byte[1 << 20];
        var random = new Random(7);
        for (long done = 0; done < Size; done += chunk.Length)
        {
            random.NextBytes(chunk);
            await stream.WriteAsync(chunk);
        }
    }
}
