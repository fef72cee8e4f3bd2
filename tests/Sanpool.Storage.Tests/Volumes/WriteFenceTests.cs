using Sanpool.Core;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>
/// Block volumes that qemu writes through this process's FUSE mount are fenced by the writer's
/// lease check: writes go through while it holds, and fail (EIO to qemu) once it does not, here
/// because the writer was closed while the volumes were still prepared.
/// </summary>
public sealed class WriteFenceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_prepared_block_volume_refuses_qemu_writes_once_its_writer_is_closed()
    {
        await using var d = await TestDomain.CreateAsync("block", 512, "fence");
        await using var store = await d.OpenAsync();
        var image = Guid.NewGuid();
        var writer = await d.WriterAsync(store);
        try
        {
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), 64L << 20, VolumeFormat.RAW, AllocationType.PREALLOCATED), None);
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }

        var chain = await VolumeChainTests.ChainAsync(store, image);
        await using var prepared = await store.PrepareAsync([.. chain.Select(c => c.Stored)], None);
        string path = prepared.PathOf(chain[0].Id);
        await Qemu.QemuTestTools.QemuIoAsync("raw", path, "write -P 7 0 64k");

        await writer.DisposeAsync();
        var refused = await ToolRunner.RunAsync("qemu-io", ["-f", "raw", "-c", "write -P 8 0 64k", path]);
        Assert.Contains("Input/output error", refused.StandardOutput + refused.StandardError, StringComparison.Ordinal);

        // Reads still work, and the bytes are the ones written under the lease.
        var read = await ToolRunner.RunAsync("qemu-io", ["-f", "raw", "-c", "read -P 7 0 64k", path]);
        Assert.True(read.ExitCode == 0 && !read.StandardOutput.Contains("Pattern verification failed", StringComparison.Ordinal), read.StandardOutput + read.StandardError);
        Assert.Null(writer.Store.WriteFence);
        Assert.Throws<SanpoolException>(writer.CheckLease);
    }
}
