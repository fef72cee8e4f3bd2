using Sanpool.Core;

namespace Sanpool.BlockIO.Tests;

public sealed class MemoryBlockDeviceTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Two_devices_on_one_disk_see_each_others_writes(int sectorSize)
    {
        var disk = new MemoryDisk(64 * sectorSize, sectorSize);
        await using var hostA = disk.Open();
        await using var hostB = disk.Open();
        byte[] fromA = DirectBlockDeviceTests.Pattern(sectorSize, seed: 1);
        byte[] fromB = DirectBlockDeviceTests.Pattern(2 * sectorSize, seed: 2);

        await hostA.WriteAsync(5L * sectorSize, fromA);
        await hostB.WriteAsync(10L * sectorSize, fromB);

        var seenByB = new byte[sectorSize];
        await hostB.ReadAsync(5L * sectorSize, seenByB);
        var seenByA = new byte[2 * sectorSize];
        await hostA.ReadAsync(10L * sectorSize, seenByA);
        Assert.Equal(fromA, seenByB);
        Assert.Equal(fromB, seenByA);
        Assert.Equal(fromA, disk.Snapshot(5L * sectorSize, sectorSize));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Reports_the_disks_sector_size_and_size(int sectorSize)
    {
        var disk = new MemoryDisk(8 * sectorSize, sectorSize, name: "mem0");
        await using var device = disk.Open();

        Assert.Equal(sectorSize, device.SectorSize);
        Assert.Equal(8L * sectorSize, device.Size);
        Assert.Equal("mem0", device.Path);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Unaligned_and_out_of_range_I_O_fail_as_on_a_real_device(int sectorSize)
    {
        var disk = new MemoryDisk(8 * sectorSize, sectorSize);
        await using var device = disk.Open();

        var unalignedOffset = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(sectorSize / 2, new byte[sectorSize]).AsTask());
        var unalignedLength = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(0, new byte[sectorSize / 2]).AsTask());
        var pastEnd = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(8L * sectorSize, new byte[sectorSize]).AsTask());

        Assert.Equal(BlockIoErrors.Unaligned, unalignedOffset.Code);
        Assert.Equal(BlockIoErrors.Unaligned, unalignedLength.Code);
        Assert.Equal(BlockIoErrors.OutOfRange, pastEnd.Code);
    }

    [Fact]
    public void Only_512_and_4096_byte_sectors_exist()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemoryDisk(4096, 1024));
    }
}
