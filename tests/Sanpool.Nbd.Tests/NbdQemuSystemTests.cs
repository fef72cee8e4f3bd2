using System.Diagnostics;
using Sanpool.Nbd.Tests.Support;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Nbd.Tests;

/// <summary>
/// qemu-system-x86_64's own NBD client (the one a VM's disk uses), without booting a guest:
/// a machine of type none with the export as a blockdev, driven over QMP, whose HMP
/// <c>qemu-io</c> command does I/O through the emulator's block layer.
/// </summary>
public sealed class NbdQemuSystemTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Qemu_system_reads_and_writes_an_export_and_sees_enospc_past_a_thin_end()
    {
        string qemu = Requires.Tool("qemu-system-x86_64", "qemu-system-x86");
        var disk = new MemoryExport("vm-disk", 64 << 20) { CurrentEnd = 8 << 20 };
        await using var f = ServerFixture.Start(output, null, disk);
        string blockdev = $$$"""{"driver":"raw","node-name":"d0","file":{"driver":"nbd","server":{"type":"unix","path":"{{{f.Socket}}}"},"export":"vm-disk"}}""";
        string[] qmp =
        [
            """{"execute":"qmp_capabilities"}""",
            """{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io d0 \"write -P 0x11 0 1M\""}}""",
            """{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io d0 \"read -P 0x11 0 1M\""}}""",
            """{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io d0 \"write -P 0x22 9M 64k\""}}""",
            """{"execute":"quit"}""",
        ];

        var info = new ProcessStartInfo(qemu)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-M", "none", "-nodefaults", "-display", "none", "-blockdev", blockdev, "-qmp", "stdio" })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            foreach (string line in qmp)
            {
                await process.StandardInput.WriteLineAsync(line);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            string text = await stdout + await stderr;
            output.WriteLine(text);

            Assert.Contains("wrote 1048576/1048576 bytes at offset 0", text, StringComparison.Ordinal);
            Assert.Contains("read 1048576/1048576 bytes at offset 0", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Pattern verification failed", text, StringComparison.Ordinal);
            Assert.Contains("No space left on device", text, StringComparison.Ordinal);
            Assert.All(disk.Bytes[..(1 << 20)].ToArray(), b => Assert.Equal(0x11, b));
            Assert.Equal(0, disk.Bytes[9 << 20]);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }
}
