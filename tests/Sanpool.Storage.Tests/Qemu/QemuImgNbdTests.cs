using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;
using static Sanpool.Storage.Tests.Qemu.QemuTestTools;

namespace Sanpool.Storage.Tests.Qemu;

/// <summary>Volumes served over NBD on a unix socket, the agent's data path; qemu-nbd stands in for the agent.</summary>
public class QemuImgNbdTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_snapshot_is_created_on_an_nbd_export_and_reads_through_it()
    {
        Requires.Tool("qemu-nbd", "qemu-utils");
        using var dir = new TempDir("qemu-nbd");
        string volume = dir.CreateSparseFile("lv", 64 << 20);
        string socket = dir.File("nbd.sock");
        using var server = ToolRunner.StartBackground("qemu-nbd", ["-f", "raw", "-k", socket, "-x", "vol", "-t", volume]);
        try
        {
            await WaitForAsync(socket);
            var target = QemuTarget.Nbd(socket, "vol");
            var qemuImg = new QemuImg();

            await qemuImg.CreateAsync(target, QemuImageFormat.Qcow2, 32 << 20, new QemuBacking(ParentA, QemuImageFormat.Raw), cancellationToken: None);

            var info = await qemuImg.InfoAsync(target, QemuImageFormat.Qcow2, None);
            Assert.Equal((ParentA, "raw", 32L << 20), (info.BackingFilename, info.BackingFormat, info.VirtualSize));
            Assert.Equal(target.Filename, info.Filename);
        }
        finally
        {
            await ToolRunner.StopAsync(server, TimeSpan.FromSeconds(5));
        }

        // What went over NBD landed in the volume: the file now starts with that qcow2 header.
        var header = await Qcow2Header.ReadAsync(volume, None);
        Assert.Equal(ParentA, header.BackingFile);
    }

    private static async Task WaitForAsync(string socket)
    {
        for (int i = 0; i < 100 && !File.Exists(socket); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(socket), "qemu-nbd did not open its socket");
    }
}
