using Sanpool.TestSupport;

namespace Sanpool.BlockIO.Tests;

/// <summary>Needs root: creates and detaches real loop devices.</summary>
public sealed class LoopDeviceTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Create_attaches_with_the_sector_size_asked_for_and_dispose_detaches(int sectorSize)
    {
        Requires.LoopDevices();
        using var dir = new TempDir("loop");
        var loop = await LoopDevice.CreateAsync(dir.Path, 1024 * 1024, sectorSize);
        string sysBacking = $"/sys/block/{Path.GetFileName(loop.Path)}/loop/backing_file";
        try
        {
            var ss = (await ToolRunner.RunAsync("blockdev", ["--getss", loop.Path])).EnsureSuccess();
            Assert.Equal(sectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture), ss.StandardOutput.Trim());
            Assert.Equal(loop.BackingFile, File.ReadAllText(sysBacking).Trim());
            Assert.StartsWith("/dev/loop", loop.Path, StringComparison.Ordinal);
        }
        finally
        {
            await loop.DisposeAsync();
        }

        Assert.False(File.Exists(loop.BackingFile));
        Assert.True(!File.Exists(sysBacking) || File.ReadAllText(sysBacking).Trim() != loop.BackingFile);

        // A second dispose does nothing, and in particular touches no device.
        await loop.DisposeAsync();
    }

    [Fact]
    public async Task Refuses_sector_sizes_other_than_512_and_4096()
    {
        using var dir = new TempDir("loop");

        await Assert.ThrowsAsync<ArgumentException>(() => LoopDevice.CreateAsync(dir.Path, 1024 * 1024, 1024));
    }
}
