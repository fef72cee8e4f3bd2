using System.Text.RegularExpressions;
using Sanpool.Agent.Vm;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// The guest program's own check can fail: a disk that differs from the source in one chunk is
/// reported as that chunk. One real VM boot (~8 s under TCG), no loop devices.
/// </summary>
[Collection(OneGuestAtATime.Name)]
public sealed class GuestProgramTests : IDisposable
{
    private readonly TempDir _dir = new("guest");

    [Fact]
    public async Task Verify_names_the_first_chunk_that_differs_from_the_source()
    {
        Requires.Tool("qemu-system-x86_64", "qemu-system-x86");
        Requires.Tool("qemu-io", "qemu-utils");
        var kit = await VmKit.EnsureAsync();
        string source = _dir.File("source.raw");
        await File.WriteAllBytesAsync(source, RandomBytes(16 * ThinGuest.MiB));
        string copy = _dir.File("copy.qcow2");
        (await ToolRunner.RunAsync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", source, copy])).EnsureSuccess();
        // One 4 KiB write in the middle of chunk 2 (chunks of 4 MiB: bytes 8..12 MiB).
        (await ToolRunner.RunAsync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x5a 10485760 4096", copy])).EnsureSuccess();

        await using var vm = VmProcess.Create(new VmOptions
        {
            Name = "verify",
            Kernel = kit.Kernel,
            Initrd = kit.Initrd,
            Append = "console=ttyS0 no_timer_check panic=-1 quiet sanpool.mode=verify sanpool.chunk=4",
            Drives = [VmDrive.FromFile("copy", copy, "qcow2", thin: true), VmDrive.FromFile("src", source, "raw", thin: false, readOnly: true)],
            RunDirectory = _dir.Path,
        });
        await vm.StartAsync(CancellationToken.None);
        var result = await vm.WaitForSerialAsync(new Regex("^RESULT .*$", RegexOptions.Multiline), TimeSpan.FromMinutes(2), CancellationToken.None);

        Assert.Equal("RESULT FAIL 2", result.Value);
        Assert.Contains("SANPOOL BOOT mode=verify mib=16 chunk=4", vm.ReadSerial(), StringComparison.Ordinal);
    }

    private static byte[] RandomBytes(long size)
    {
        byte[] bytes = new byte[size];
        new Random(42).NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => _dir.Dispose();
}
