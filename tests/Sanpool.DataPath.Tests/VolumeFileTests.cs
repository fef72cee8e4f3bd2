using Sanpool.BlockIO;

namespace Sanpool.DataPath.Tests;

/// <summary>The byte-range logic of a volume file on an in-memory device, without FUSE.</summary>
public class VolumeFileTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<int, long, int> UnalignedRanges => new()
    {
        { 512, 0, 1 },
        { 512, 511, 2 },
        { 512, 100, 200 },
        { 512, 700, 5000 },
        { 512, 1024, 512 },
        { 512, (1 << 20) - 3, 7 },
        { 512, 12345, (1 << 20) + 77 },
        { 4096, 0, 1 },
        { 4096, 4095, 2 },
        { 4096, 100, 200 },
        { 4096, 4000, 9000 },
        { 4096, 8192, 4096 },
        { 4096, (1 << 20) - 3, 7 },
        { 4096, 12345, (1 << 20) + 77 },
    };

    [Theory]
    [MemberData(nameof(UnalignedRanges))]
    public async Task An_unaligned_write_changes_exactly_its_bytes_and_reads_back(int sectorSize, long offset, int length)
    {
        var disk = new MemoryDisk(4 << 20, sectorSize);
        byte[] before = Fill(disk, seed: 1);
        var file = new VolumeFile("v", 2, disk.Open(), readOnly: false, DateTimeOffset.UnixEpoch);
        byte[] data = Pattern(length, seed: 2);

        Assert.Equal(length, await file.WriteAsync(offset, data, None));

        data.CopyTo(before, offset);
        Assert.Equal(before, disk.Snapshot(0, (int)disk.Size));
        var back = new byte[length];
        Assert.Equal(length, await file.ReadAsync(offset, back, None));
        Assert.Equal(data, back);
    }

    [Fact]
    public async Task Reads_stop_at_the_end_and_writes_past_it_write_nothing()
    {
        var disk = new MemoryDisk(64 << 10, 512);
        var file = new VolumeFile("v", 2, disk.Open(), readOnly: false, DateTimeOffset.UnixEpoch);
        var buffer = new byte[1000];

        Assert.Equal(100, await file.ReadAsync(disk.Size - 100, buffer, None));
        Assert.Equal(0, await file.ReadAsync(disk.Size, buffer, None));
        Assert.Equal(0, await file.WriteAsync(disk.Size, buffer, None));
        Assert.Equal(10, await file.WriteAsync(disk.Size - 10, buffer, None));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Concurrent_writes_to_adjacent_bytes_of_one_sector_are_both_kept(int sectorSize)
    {
        var disk = new MemoryDisk(1 << 20, sectorSize);
        var file = new VolumeFile("v", 2, new SlowBlockDevice(disk.Open()), readOnly: false, DateTimeOffset.UnixEpoch);
        const int Sectors = 32;

        var writes = new List<Task<int>>();
        for (int s = 0; s < Sectors; s++)
        {
            long sector = (long)s * sectorSize;
            writes.Add(file.WriteAsync(sector + 10, Enumerable.Repeat((byte)0xAA, 100).ToArray(), None).AsTask());
            writes.Add(file.WriteAsync(sector + 110, Enumerable.Repeat((byte)0xBB, 100).ToArray(), None).AsTask());
        }

        await Task.WhenAll(writes);

        for (int s = 0; s < Sectors; s++)
        {
            byte[] sector = disk.Snapshot((long)s * sectorSize, sectorSize);
            Assert.All(sector.AsSpan(10, 100).ToArray(), b => Assert.Equal(0xAA, b));
            Assert.All(sector.AsSpan(110, 100).ToArray(), b => Assert.Equal(0xBB, b));
        }
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Fill(MemoryDisk disk, int seed)
    {
        byte[] bytes = Pattern((int)disk.Size, seed);
        disk.Write(0, bytes);
        return bytes;
    }
}
