using System.Diagnostics;
using Sanpool.Core;

namespace Sanpool.BlockIO.Tests;

public sealed class FaultyBlockDeviceTests
{
    /// <summary>How long a test waits to be convinced that a blocked operation stays blocked.</summary>
    private static readonly TimeSpan StillBlocked = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(10);

    public static TheoryData<int> SectorSizes => new() { 512, 4096 };

    [Theory]
    [MemberData(nameof(SectorSizes))]
    public async Task A_read_fault_fails_reads_with_IO_ERROR_and_leaves_writes_alone(int sectorSize)
    {
        var (disk, device) = Create(sectorSize);
        using var fault = device.Inject(new Fault(FaultKind.Fail, BlockOps.Read));

        var e = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(0, new byte[sectorSize]).AsTask());
        await device.WriteAsync(0, Ones(sectorSize));

        Assert.Equal(BlockIoErrors.IoError, e.Code);
        Assert.True(e.IsTransient);
        Assert.Equal(Ones(sectorSize), disk.Snapshot(0, sectorSize));
    }

    [Theory]
    [MemberData(nameof(SectorSizes))]
    public async Task A_failed_write_changes_nothing_on_the_disk(int sectorSize)
    {
        var (disk, device) = Create(sectorSize);
        using var fault = device.Inject(new Fault(FaultKind.Fail, BlockOps.Write));

        var e = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(0, Ones(sectorSize)).AsTask());
        await device.ReadAsync(0, new byte[sectorSize]);

        Assert.Equal(BlockIoErrors.IoError, e.Code);
        Assert.Equal(new byte[sectorSize], disk.Snapshot(0, sectorSize));
    }

    [Theory]
    [MemberData(nameof(SectorSizes))]
    public async Task A_fault_applies_only_to_I_O_that_overlaps_its_range(int sectorSize)
    {
        var (_, device) = Create(sectorSize);
        using var fault = device.Inject(new Fault(FaultKind.Fail) { Offset = 4L * sectorSize, Length = 2L * sectorSize });

        await device.ReadAsync(3L * sectorSize, new byte[sectorSize]);
        await device.WriteAsync(6L * sectorSize, Ones(sectorSize));
        foreach (long sector in new long[] { 4, 5 })
        {
            await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(sector * sectorSize, new byte[sectorSize]).AsTask());
        }

        // Sectors 3-4: starts outside, ends inside.
        await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(3L * sectorSize, Ones(2 * sectorSize)).AsTask());
        Assert.Equal(3, device.FaultedOperations);
    }

    [Theory]
    [MemberData(nameof(SectorSizes))]
    public async Task A_fault_with_a_count_lapses_after_that_many_operations(int sectorSize)
    {
        var (_, device) = Create(sectorSize);
        using var fault = device.Inject(new Fault(FaultKind.Fail) { Count = 2 });

        await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(0, new byte[sectorSize]).AsTask());
        await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(0, Ones(sectorSize)).AsTask());
        await device.ReadAsync(0, new byte[sectorSize]);
        await device.WriteAsync(0, Ones(sectorSize));

        Assert.Equal(2, device.FaultedOperations);
    }

    [Fact]
    public async Task Disposing_a_fault_removes_it()
    {
        var (_, device) = Create(512);
        var fault = device.Inject(new Fault(FaultKind.Fail));
        await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(0, new byte[512]).AsTask());

        fault.Dispose();

        await device.ReadAsync(0, new byte[512]);
    }

    [Fact]
    public async Task A_delay_fault_delays_the_operation_which_then_succeeds()
    {
        var (disk, device) = Create(512);
        var delay = TimeSpan.FromMilliseconds(400);
        using var fault = device.Inject(new Fault(FaultKind.Delay, BlockOps.Write) { Delay = delay });

        var clock = Stopwatch.StartNew();
        await device.WriteAsync(0, Ones(512));
        var writeTook = clock.Elapsed;
        clock.Restart();
        await device.ReadAsync(0, new byte[512]);
        var readTook = clock.Elapsed;

        Assert.True(writeTook >= delay - TimeSpan.FromMilliseconds(20), $"write took {writeTook}");
        Assert.True(readTook < delay, $"read took {readTook} though only writes are delayed");
        Assert.Equal(Ones(512), disk.Snapshot(0, 512));
    }

    [Fact]
    public async Task A_hang_blocks_until_the_fault_is_disposed()
    {
        var (_, device) = Create(512);
        var fault = device.Inject(new Fault(FaultKind.Hang, BlockOps.Read));

        var read = device.ReadAsync(0, new byte[512]).AsTask();
        await Task.Delay(StillBlocked);
        Assert.False(read.IsCompleted);

        fault.Dispose();
        await read.WaitAsync(Eventually);
        Assert.True(read.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_hang_ignores_cancellation_as_a_hung_kernel_I_O_does()
    {
        var (_, device) = Create(512);
        using var cancel = new CancellationTokenSource();
        var fault = device.Inject(new Fault(FaultKind.Hang));

        var write = device.WriteAsync(0, Ones(512), cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Task.Delay(StillBlocked);
        Assert.False(write.IsCompleted);

        fault.Dispose();
        await write.WaitAsync(Eventually);
    }

    [Fact]
    public async Task Clear_removes_every_fault_and_releases_hung_operations()
    {
        var (_, device) = Create(512);
        device.Inject(new Fault(FaultKind.Hang, BlockOps.Read));
        device.Inject(new Fault(FaultKind.Fail, BlockOps.Write));
        var read = device.ReadAsync(0, new byte[512]).AsTask();

        device.Clear();

        await read.WaitAsync(Eventually);
        await device.WriteAsync(0, Ones(512));
    }

    [Theory]
    [MemberData(nameof(SectorSizes))]
    public async Task TimedIo_gives_up_on_a_hung_read_with_IO_TIMEOUT(int sectorSize)
    {
        var (_, device) = Create(sectorSize);
        using var fault = device.Inject(new Fault(FaultKind.Hang));

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SanpoolException>(() => device.ReadAsync(0, sectorSize, TimeSpan.FromMilliseconds(200)));

        Assert.Equal(BlockIoErrors.IoTimeout, e.Code);
        Assert.True(e.IsTransient);
        Assert.True(clock.Elapsed < Eventually, $"gave up only after {clock.Elapsed}");
    }

    [Fact]
    public async Task TimedIo_gives_up_on_a_hung_write_with_IO_TIMEOUT()
    {
        var (_, device) = Create(512);
        using var fault = device.Inject(new Fault(FaultKind.Hang, BlockOps.Write));

        var e = await Assert.ThrowsAsync<SanpoolException>(() => device.WriteAsync(0, Ones(512), TimeSpan.FromMilliseconds(200)));

        Assert.Equal(BlockIoErrors.IoTimeout, e.Code);
    }

    [Fact]
    public async Task TimedIo_returns_the_data_when_the_I_O_is_in_time()
    {
        var (disk, device) = Create(512);
        disk.Write(512, Ones(512));

        byte[] data = await device.ReadAsync(512, 512, TimeSpan.FromSeconds(5));

        Assert.Equal(Ones(512), data);
    }

    private static (MemoryDisk Disk, FaultyBlockDevice Device) Create(int sectorSize)
    {
        var disk = new MemoryDisk(16 * sectorSize, sectorSize);
        return (disk, new FaultyBlockDevice(disk.Open()));
    }

    private static byte[] Ones(int length) => Enumerable.Repeat((byte)0xFF, length).ToArray();
}
