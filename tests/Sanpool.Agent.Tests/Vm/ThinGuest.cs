using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Sanpool.Agent.Vm;
using Sanpool.BlockIO;
using Sanpool.TestSupport;

namespace Sanpool.Agent.Tests.Vm;

/// <summary>
/// A real VM whose thin disk is a qcow2 on a small loop device (an LV stand-in that can grow
/// while qemu holds it: truncate the backing file, <c>losetup -c</c>), and whose second disk is
/// a read-only raw file of random bytes. The guest copies the source onto the thin disk, reads
/// it back and checks md5 per chunk. The thin disk goes in as a <c>json:</c> tree (commas in an
/// option value) and the source as <c>-blockdev</c> JSON: the two forms the agent will pass.
/// Dispose kills qemu before it detaches the loop device and removes the files.
/// </summary>
internal sealed class ThinGuest : IAsyncDisposable
{
    public const long MiB = 1024 * 1024;

    private static readonly Regex Result = new(@"^RESULT .*$", RegexOptions.Multiline);

    private readonly TempDir _dir;
    private long _deviceSize;

    private ThinGuest(TempDir dir, LoopDevice loop, string source, VmProcess vm, long deviceSize)
    {
        _dir = dir;
        Loop = loop;
        Source = source;
        Vm = vm;
        _deviceSize = deviceSize;
    }

    public LoopDevice Loop { get; }

    public string Source { get; }

    public VmProcess Vm { get; }

    public VmDrive Thin => Vm.Drive("thin");

    public long DeviceSize => Interlocked.Read(ref _deviceSize);

    /// <summary>Makes the disks and launches qemu (held before the guest's first instruction).</summary>
    public static async Task<ThinGuest> LaunchAsync(ILogger logger, int copyMiB, int chunkMiB, long deviceSize, string name)
    {
        Requires.LoopDevices();
        Requires.Tool("qemu-system-x86_64", "qemu-system-x86");
        Requires.Tool("qemu-img", "qemu-utils");
        var kit = await VmKit.EnsureAsync();
        var dir = new TempDir("vm");
        LoopDevice? loop = null;
        VmProcess? vm = null;
        try
        {
            string source = dir.File("source.raw");
            await WriteRandomAsync(source, copyMiB * MiB, seed: copyMiB);
            loop = await LoopDevice.CreateAsync(dir.Path, deviceSize);
            (await ToolRunner.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", loop.Path, $"{2 * copyMiB}M"])).EnsureSuccess();

            var thinTree = new JsonObject
            {
                ["driver"] = "qcow2",
                ["node-name"] = "thin-fmt",
                ["file"] = new JsonObject { ["driver"] = "host_device", ["filename"] = loop.Path, ["node-name"] = "thin-proto", ["aio"] = "native" },
            };
            var sourceTree = new JsonObject
            {
                ["driver"] = "raw",
                ["node-name"] = "src-fmt",
                ["read-only"] = true,
                ["file"] = new JsonObject { ["driver"] = "file", ["filename"] = source, ["node-name"] = "src-proto", ["cache"] = new JsonObject { ["direct"] = true } },
            };
            vm = VmProcess.Create(new VmOptions
            {
                Name = name,
                Kernel = kit.Kernel,
                Initrd = kit.Initrd,
                Append = string.Create(CultureInfo.InvariantCulture, $"console=ttyS0 no_timer_check panic=-1 quiet sanpool.mode=copy sanpool.mib={copyMiB} sanpool.chunk={chunkMiB}"),
                Drives =
                [
                    VmDrive.FromFile("thin", "json:" + thinTree.ToJsonString(), format: null, thin: true, extraOptions: "cache=none"),
                    VmDrive.FromBlockdev("src", sourceTree.ToJsonString(), thin: false),
                ],
                RunDirectory = dir.Path,
            }, logger);
            await vm.LaunchAsync(CancellationToken.None);
            return new ThinGuest(dir, loop, source, vm, deviceSize);
        }
        catch
        {
            if (vm is not null)
            {
                await vm.DisposeAsync();
            }

            if (loop is not null)
            {
                await loop.DisposeAsync();
            }

            dir.Dispose();
            throw;
        }
    }

    /// <summary>Grows the "LV" by <paramref name="bytes"/> while qemu has it open, as lvextend + refresh would.</summary>
    public async Task GrowAsync(long bytes)
    {
        long size = Interlocked.Add(ref _deviceSize, bytes);
        await using (var file = new FileStream(Loop.BackingFile, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(size);
        }

        (await ToolRunner.RunAsync("losetup", ["-c", Loop.Path])).EnsureSuccess();
    }

    /// <summary>Waits for the guest's verdict line: "RESULT PASS" or "RESULT FAIL chunk ...".</summary>
    public async Task<string> WaitForResultAsync(TimeSpan timeout) =>
        (await Vm.WaitForSerialAsync(Result, timeout, CancellationToken.None)).Value;

    /// <summary>Kills qemu (the guest has powered off) and compares the thin disk with the source from the host.</summary>
    public async Task<ToolResult> CompareWithSourceAsync()
    {
        await Vm.KillAsync();
        return await ToolRunner.RunAsync("qemu-img", ["compare", "-f", "raw", "-F", "qcow2", Source, Loop.Path]);
    }

    private static async Task WriteRandomAsync(string path, long size, int seed)
    {
        var random = new Random(seed);
        byte[] buffer = new byte[MiB];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        for (long done = 0; done < size; done += buffer.Length)
        {
            random.NextBytes(buffer);
            await file.WriteAsync(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Vm.DisposeAsync();
        await Loop.DisposeAsync();
        _dir.Dispose();
    }
}
