using Microsoft.Win32.SafeHandles;
using Sanpool.BlockIO;
using Sanpool.TestSupport;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// The FUSE volume directory mounted for real (needs root): what a process sees through the
/// kernel is what the backing device holds, byte for byte.
/// </summary>
public class VolumeFileSystemTests
{
    private const long VolumeSize = 4 << 20;

    public static TheoryData<int, long, int> UnalignedRanges => new()
    {
        { 512, 0, 1 },
        { 512, 511, 2 },
        { 512, 700, 5000 },
        { 512, (1 << 20) - 3, 7 },
        { 512, 12345, (1 << 20) + 77 },
        { 4096, 0, 1 },
        { 4096, 4095, 2 },
        { 4096, 4000, 9000 },
        { 4096, (1 << 20) - 3, 7 },
        { 4096, 12345, (1 << 20) + 77 },
    };

    [Theory]
    [MemberData(nameof(UnalignedRanges))]
    public async Task Unaligned_writes_through_the_mount_land_byte_exact_on_a_memory_device(int sectorSize, long offset, int length)
    {
        var disk = new MemoryDisk(VolumeSize, sectorSize);
        byte[] expected = VolumeFileTests.Pattern((int)VolumeSize, seed: 1);
        disk.Write(0, expected);
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", disk.Open());
        byte[] data = VolumeFileTests.Pattern(length, seed: 2);

        using (var file = File.OpenHandle(mount.PathOf("vol"), FileMode.Open, FileAccess.ReadWrite))
        {
            await RandomAccess.WriteAsync(file, data, offset);
            var back = new byte[length];
            Assert.Equal(length, await RandomAccess.ReadAsync(file, back, offset));
            Assert.Equal(data, back);
        }

        data.CopyTo(expected, offset);
        Assert.Equal(expected, disk.Snapshot(0, (int)VolumeSize));
    }

    [Fact]
    public async Task Unaligned_writes_through_the_mount_land_byte_exact_in_a_direct_io_file()
    {
        using var backing = new TempDir("fuse-backing");
        string path = backing.CreateSparseFile("lv", VolumeSize);
        await using var device = DirectBlockDevice.Open(path);
        Assert.True(device.IsDirect);
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", device);
        var expected = new byte[VolumeSize];
        var ranges = new (long Offset, int Length)[] { (0, 1), (511, 2), (1000, 3000), ((1 << 20) - 5, 1 << 20), (VolumeSize - 1, 1) };

        using (var file = File.OpenHandle(mount.PathOf("vol"), FileMode.Open, FileAccess.ReadWrite))
        {
            int seed = 10;
            foreach (var (offset, length) in ranges)
            {
                byte[] data = VolumeFileTests.Pattern(length, seed++);
                await RandomAccess.WriteAsync(file, data, offset);
                data.CopyTo(expected, offset);
            }

            var whole = new byte[VolumeSize];
            Assert.Equal(VolumeSize, await ReadFullyAsync(file, whole));
            Assert.Equal(expected, whole);
        }

        Assert.Equal(expected, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Concurrent_writers_of_adjacent_bytes_in_shared_sectors_are_all_kept()
    {
        var disk = new MemoryDisk(VolumeSize, 4096);
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", disk.Open());
        const int Sectors = 64;

        // Eight writers, each with its own open file, each owning 500 bytes of every sector.
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            using var file = File.OpenHandle(mount.PathOf("vol"), FileMode.Open, FileAccess.ReadWrite);
            for (int s = 0; s < Sectors; s++)
            {
                await RandomAccess.WriteAsync(file, Enumerable.Repeat((byte)(w + 1), 500).ToArray(), (s * 4096L) + (w * 500));
            }
        }));
        await Task.WhenAll(writers);

        for (int s = 0; s < Sectors; s++)
        {
            byte[] sector = disk.Snapshot(s * 4096L, 4096);
            for (int w = 0; w < 8; w++)
            {
                Assert.All(sector.AsSpan(w * 500, 500).ToArray(), b => Assert.Equal(w + 1, b));
            }
        }
    }

    [Fact]
    public async Task The_kernel_passes_writes_of_up_to_1_MiB_whole_without_the_page_cache()
    {
        var device = new RecordingBlockDevice(new MemoryDisk(VolumeSize, 4096).Open());
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", device);

        // Page-aligned, as qemu's buffers are: the kernel splits direct I/O at the pages of the
        // caller's buffer, so an unaligned array would make every request boundary unaligned.
        using (var buffer = new AlignedBuffer(3 << 20))
        using (var file = File.OpenHandle(mount.PathOf("vol"), FileMode.Open, FileAccess.ReadWrite))
        {
            await RandomAccess.WriteAsync(file, buffer.Memory, 0);
        }

        // max_pages negotiated: 1 MiB per request, not the default 128 KiB; direct I/O: nothing written back later.
        Assert.Equal([1 << 20, 1 << 20, 1 << 20], device.WriteLengths);
    }

    [Fact]
    public async Task Files_have_the_device_size_and_never_grow()
    {
        var disk = new MemoryDisk(VolumeSize, 512);
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", disk.Open());

        var info = new FileInfo(mount.PathOf("vol"));
        Assert.Equal(VolumeSize, info.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, info.UnixFileMode);

        using var file = File.OpenHandle(mount.PathOf("vol"), FileMode.Open, FileAccess.ReadWrite);
        var buffer = new byte[100];
        Assert.Equal(10, await RandomAccess.ReadAsync(file, buffer, VolumeSize - 10));
        Assert.Equal(0, await RandomAccess.ReadAsync(file, buffer, VolumeSize));
        var beyond = await Assert.ThrowsAsync<IOException>(async () => await RandomAccess.WriteAsync(file, buffer, VolumeSize));
        Assert.Contains("No space left", beyond.Message, StringComparison.Ordinal);

        // Straddling the end: what fits is written, then the rest fails.
        await Assert.ThrowsAsync<IOException>(async () => await RandomAccess.WriteAsync(file, Enumerable.Repeat((byte)7, 100).ToArray(), VolumeSize - 4));
        Assert.Equal([7, 7, 7, 7], disk.Snapshot(VolumeSize - 4, 4));

        // A truncate (as qemu-img create does) succeeds and changes nothing.
        file.Close();
        using (var stream = new FileStream(mount.PathOf("vol"), FileMode.Open, FileAccess.ReadWrite))
        {
            stream.SetLength(0);
            stream.SetLength(1L << 30);
        }

        Assert.Equal(VolumeSize, new FileInfo(mount.PathOf("vol")).Length);
        using var reopened = File.OpenHandle(mount.PathOf("vol"));
        Assert.Equal(VolumeSize, RandomAccess.GetLength(reopened));
    }

    [Fact]
    public async Task Unknown_names_are_not_found_and_removed_files_disappear()
    {
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("a", new MemoryDisk(1 << 20).Open());
        mount.FileSystem.Add("b", new MemoryDisk(1 << 20).Open());

        Assert.False(File.Exists(mount.PathOf("nope")));
        Assert.Throws<FileNotFoundException>(() => File.OpenHandle(mount.PathOf("nope")).Dispose());
        Assert.Equal(["a", "b"], Directory.GetFiles(mount.FileSystem.MountPoint).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        Assert.True(mount.FileSystem.Remove("a"));
        Assert.False(mount.FileSystem.Remove("a"));

        Assert.False(File.Exists(mount.PathOf("a")));
        Assert.Equal(["b"], Directory.GetFiles(mount.FileSystem.MountPoint).Select(Path.GetFileName));
        var create = Assert.ThrowsAny<IOException>(() => File.Create(mount.PathOf("new")).Dispose());
        Assert.Contains("not implemented", create.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replaced_volume_shows_its_new_size_while_an_open_file_keeps_the_old_device()
    {
        var small = new MemoryDisk(1 << 20);
        var large = new MemoryDisk(2 << 20);
        small.Write(0, [1]);
        large.Write(0, [2]);
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("vol", small.Open());
        using var old = File.OpenHandle(mount.PathOf("vol"));

        mount.FileSystem.Replace("vol", large.Open());

        Assert.Equal(2 << 20, new FileInfo(mount.PathOf("vol")).Length);
        var first = new byte[1];
        await RandomAccess.ReadAsync(old, first, 0);
        Assert.Equal(1, first[0]);
        using var fresh = File.OpenHandle(mount.PathOf("vol"));
        await RandomAccess.ReadAsync(fresh, first, 0);
        Assert.Equal(2, first[0]);
    }

    [Fact]
    public async Task A_read_only_volume_refuses_to_open_for_writing()
    {
        await using var mount = await MountedVolumes.MountAsync();
        mount.FileSystem.Add("ro", new MemoryDisk(1 << 20).Open(), readOnly: true);

        Assert.ThrowsAny<IOException>(() => File.OpenHandle(mount.PathOf("ro"), FileMode.Open, FileAccess.ReadWrite).Dispose());
        using var file = File.OpenHandle(mount.PathOf("ro"));
        Assert.Equal(1 << 20, RandomAccess.GetLength(file));
    }

    [Fact]
    public async Task Dispose_unmounts_and_removes_the_mount_point_it_created()
    {
        Requires.Root("it mounts a FUSE file system");
        MountedVolumes.EnoughThreads();
        using var dir = new TempDir("fuse");
        string mountPoint = dir.File("mnt");

        await using (var fileSystem = await VolumeFileSystem.MountAsync(mountPoint, CancellationToken.None))
        {
            Assert.Equal([mountPoint], MountedVolumes.MountsUnder(dir.Path));
        }

        MountedVolumes.AssertNoMountUnder(dir.Path);
        Assert.False(Directory.Exists(mountPoint));
    }

    /// <summary>
    /// kill -9 is simulated in-process: <see cref="VolumeFileSystem.AbandonAsync"/> closes
    /// /dev/fuse without unmounting, which is exactly what the kernel does for a killed server
    /// (its descriptors are closed), so the kernel aborts the connection and the mount stays.
    /// </summary>
    [Fact]
    public async Task A_mount_whose_server_died_is_stale_until_cleanup_removes_it()
    {
        Requires.Root("it mounts a FUSE file system");
        MountedVolumes.EnoughThreads();
        using var dir = new TempDir("fuse");
        string dead = dir.File("dead");
        var fileSystem = await VolumeFileSystem.MountAsync(dead, CancellationToken.None);
        try
        {
            await using var live = await VolumeFileSystem.MountAsync(dir.File("live"), CancellationToken.None);
            fileSystem.Add("vol", new MemoryDisk(1 << 20).Open());
            await fileSystem.AbandonAsync();

            var stale = Assert.ThrowsAny<IOException>(() => File.OpenHandle(Path.Combine(dead, "vol")).Dispose());
            // ENOTCONN, or ECONNABORTED when a request was in flight as the connection was
            // aborted: both mean the server is gone (IsStale takes either).
            Assert.True(stale.Message.Contains("not connected", StringComparison.Ordinal) || stale.Message.Contains("connection abort", StringComparison.Ordinal), stale.Message);
            Assert.Contains(dead, MountedVolumes.MountsUnder(dir.Path));

            var removed = await VolumeFileSystem.CleanupStaleAsync(dir.Path);

            Assert.Equal([dead], removed);
            Assert.Equal([live.MountPoint], MountedVolumes.MountsUnder(dir.Path));
        }
        finally
        {
            if (MountedVolumes.MountsUnder(dir.Path).Contains(dead))
            {
                await ToolRunner.RunAsync("umount", ["-l", dead]);
            }

            await fileSystem.DisposeAsync();
        }

        MountedVolumes.AssertNoMountUnder(dir.Path);
    }

    [Fact]
    public async Task A_stale_mount_point_cannot_be_mounted_again_until_cleaned_up()
    {
        Requires.Root("it mounts a FUSE file system");
        MountedVolumes.EnoughThreads();
        using var dir = new TempDir("fuse");
        string mountPoint = dir.File("mnt");
        var dead = await VolumeFileSystem.MountAsync(mountPoint, CancellationToken.None);
        try
        {
            await dead.AbandonAsync();

            await Assert.ThrowsAnyAsync<IOException>(() => VolumeFileSystem.MountAsync(mountPoint, CancellationToken.None));

            await VolumeFileSystem.CleanupStaleAsync(dir.Path);
            await using var again = await VolumeFileSystem.MountAsync(mountPoint, CancellationToken.None);
            Assert.Equal([mountPoint], MountedVolumes.MountsUnder(dir.Path));
        }
        finally
        {
            await VolumeFileSystem.CleanupStaleAsync(dir.Path);
        }

        MountedVolumes.AssertNoMountUnder(dir.Path);
    }

    private static async Task<long> ReadFullyAsync(SafeFileHandle file, byte[] buffer)
    {
        long done = 0;
        while (done < buffer.Length)
        {
            int n = await RandomAccess.ReadAsync(file, buffer.AsMemory((int)done), done);
            if (n == 0)
            {
                break;
            }

            done += n;
        }

        return done;
    }
}
