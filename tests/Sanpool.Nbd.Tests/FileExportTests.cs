using Sanpool.Core;
using Sanpool.TestSupport;

namespace Sanpool.Nbd.Tests;

public sealed class FileExportTests
{
    [Fact]
    public async Task A_write_the_storage_refuses_for_lack_of_space_is_enospc_for_the_client()
    {
        // /dev/full answers every write with ENOSPC, as a full file system would.
        using var export = FileExport.Open("full", "/dev/full", direct: false);
        byte[] data = new byte[4096];
        var e = await Assert.ThrowsAsync<NbdExportException>(async () => await export.WriteAsync(0, data, fua: false, CancellationToken.None));
        Assert.Equal(NbdErrno.ENOSPC, e.Errno);
        Assert.Contains("/dev/full", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_cannot_be_opened_is_nbd_open_failed()
    {
        using var dir = new TempDir("nbd");
        var e = Assert.Throws<SanpoolException>(() => FileExport.Open("x", dir.File("missing")));
        Assert.Equal(NbdErrors.OpenFailed, e.Code);
    }

    [Fact]
    public async Task Without_direct_io_the_export_uses_the_page_cache_at_byte_granularity()
    {
        string dir = $"/dev/shm/sanpool-nbd-test-{Guid.NewGuid():N}";
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "f");
            await File.WriteAllBytesAsync(path, new byte[10000]);
            using var export = FileExport.Open("shm", path, direct: false);
            Assert.False(export.IsDirect);
            Assert.Equal(1, export.MinimumBlockSize);
            Assert.Equal(10000, export.Size);
            await export.WriteAsync(3, new byte[] { 1, 2, 3 }, fua: true, CancellationToken.None);
            byte[] back = new byte[5];
            await export.ReadAsync(2, back, CancellationToken.None);
            Assert.Equal(new byte[] { 0, 1, 2, 3, 0 }, back);
            await export.WriteZeroesAsync(0, 10000, mayTrim: false, CancellationToken.None);
            Assert.All(await File.ReadAllBytesAsync(path), b => Assert.Equal(0, b));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
