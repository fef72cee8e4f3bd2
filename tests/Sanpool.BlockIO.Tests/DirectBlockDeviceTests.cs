using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.BlockIO.Tests;

/// <summary>
/// DirectBlockDevice on a regular file and on real loop devices (these need root: they create
/// and always detach their own /dev/loopN).
/// </summary>
public sealed class DirectBlockDeviceTests
{
    public static TheoryData<string, int> Targets => new()
    {
        { "file", 512 },
        { "loop", 512 },
        { "loop", 4096 },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_write_is_visible_to_a_second_independently_opened_handle(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        byte[] data = Pattern(2 * sectorSize, seed: sectorSize);
        long offset = 3L * sectorSize;

        await using (var writer = DirectBlockDevice.Open(target.Path))
        {
            await writer.WriteAsync(offset, data);
        }

        await using var reader = DirectBlockDevice.Open(target.Path);
        var back = new byte[data.Length];
        await reader.ReadAsync(offset, back);
        Assert.Equal(data, back);

        var before = new byte[sectorSize];
        await reader.ReadAsync(offset - sectorSize, before);
        Assert.All(before, b => Assert.Equal(0, b));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Aligned_native_buffers_unsynchronised_and_then_flushed_read_back_as_ordinary_arrays_do(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        byte[] data = Pattern(4 * sectorSize, seed: 7);
        using var aligned = new AlignedBuffer(data.Length);
        data.CopyTo(aligned.GetSpan());

        await using (var writer = DirectBlockDevice.Open(target.Path, sync: false))
        {
            await writer.WriteAsync(sectorSize, aligned.Memory[..(2 * sectorSize)]);
            await writer.WriteAsync(3L * sectorSize, data.AsMemory(2 * sectorSize));
            await writer.FlushAsync();
        }

        await using var reader = DirectBlockDevice.Open(target.Path);
        using var back = new AlignedBuffer(data.Length);
        await reader.ReadAsync(sectorSize, back.Memory);
        Assert.Equal(data, back.GetSpan().ToArray());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Two_open_handles_see_each_others_writes_at_once(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        await using var a = DirectBlockDevice.Open(target.Path);
        await using var b = DirectBlockDevice.Open(target.Path);

        for (int round = 0; round < 3; round++)
        {
            byte[] data = Pattern(sectorSize, seed: round);
            await a.WriteAsync(0, data);
            var seen = new byte[sectorSize];
            await b.ReadAsync(0, seen);
            Assert.Equal(data, seen);
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Reports_the_devices_logical_sector_size_and_size(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        await using var device = DirectBlockDevice.Open(target.Path);

        Assert.Equal(target.SectorSize, device.SectorSize);
        Assert.Equal(DeviceTarget.Size, device.Size);
        Assert.True(device.IsDirect, $"{target.Path} should be opened with O_DIRECT");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task An_unaligned_offset_is_rejected_with_IO_UNALIGNED(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        await using var device = DirectBlockDevice.Open(target.Path);
        long offset = sectorSize / 2;

        var read = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(offset, new byte[sectorSize]).AsTask());
        var write = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(offset, new byte[sectorSize]).AsTask());

        Assert.Equal(BlockIoErrors.Unaligned, read.Code);
        Assert.Equal(BlockIoErrors.Unaligned, write.Code);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task An_unaligned_length_is_rejected_with_IO_UNALIGNED(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        await using var device = DirectBlockDevice.Open(target.Path);

        // On a 4096-byte device a 512-byte I/O is unaligned too; the kernel would refuse it.
        int length = sectorSize == 4096 ? 512 : sectorSize + 1;
        var read = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(0, new byte[length]).AsTask());
        var write = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(0, new byte[length]).AsTask());

        Assert.Equal(BlockIoErrors.Unaligned, read.Code);
        Assert.Equal(BlockIoErrors.Unaligned, write.Code);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task I_O_past_the_end_or_before_the_start_is_rejected_with_OUT_OF_RANGE(string kind, int sectorSize)
    {
        await using var target = await DeviceTarget.CreateAsync(kind, sectorSize);
        await using var device = DirectBlockDevice.Open(target.Path);
        long size = device.Size;

        foreach (var (offset, length) in new[] { (size, sectorSize), (size - sectorSize, 2 * sectorSize), (-(long)sectorSize, sectorSize) })
        {
            var read = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(offset, new byte[length]).AsTask());
            var write = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(offset, new byte[length]).AsTask());
            Assert.Equal(BlockIoErrors.OutOfRange, read.Code);
            Assert.Equal(BlockIoErrors.OutOfRange, write.Code);
        }

        // The last sector itself is in range.
        await device.WriteAsync(size - sectorSize, Pattern(sectorSize, seed: 7));
    }

    [Fact]
    public void Opening_a_missing_path_fails_with_OPEN_FAILED()
    {
        using var dir = new TempDir("blockio");

        var e = Assert.Throws<SanpoolException>(() => DirectBlockDevice.Open(dir.File("no-such-disk")));

        Assert.Equal(BlockIoErrors.OpenFailed, e.Code);
        Assert.Contains("no-such-disk", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_handle_cannot_write()
    {
        await using var target = await DeviceTarget.CreateAsync("file", 512);
        await using var device = DirectBlockDevice.Open(target.Path, readOnly: true);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(0, new byte[512]).AsTask());

        Assert.Equal(BlockIoErrors.IoError, e.Code);
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
