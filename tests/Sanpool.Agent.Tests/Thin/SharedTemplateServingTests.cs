using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Agent.Tests.Failover;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// Two VMs made from one template run on one host: both images' chains hold the template's
/// volume, so the host serves its export once and keeps it until the last image using it is
/// torn down (before, the second prepare failed with NBD_EXPORT_EXISTS). Real agent, LVM on a
/// loop device, qemu-io through the prepared drives and straight to the export. The chain's
/// <c>-blockdev</c> form (how the agent starts VMs) is opened by a real qemu-system-x86_64 with
/// every volume, the template included, over NBD.
/// </summary>
public sealed class SharedTemplateServingTests(ITestOutputHelper output)
{
    private const long MiB = ThinProbe.MiB;

    [Fact]
    public async Task Two_images_from_one_template_are_served_together_and_the_template_export_lives_until_the_last_teardown()
    {
        await using var test = await TestPool.CreateAsync(output, hosts: 1, domains: 1);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var thin = new ThinProbe(pool, output);
        pool.Start(1);
        await probe.WaitSpmAsync(TimeSpan.FromSeconds(60), [1], Stopwatch.StartNew());
        string domain = pool.Domains[0].ToString();
        var (source, _) = await probe.CreateImageAsync(1, 0, 256 * MiB, "cow");
        await ThinProbe.WriteAsync(await thin.PrepareAsync(1, 0, source), 8, 8, 0x11, TimeSpan.FromSeconds(30));
        await pool.InvokeAsync(1, "image.teardown", new Dictionary<string, string> { ["domain"] = domain, ["image"] = source }, default);
        string template = Guid.NewGuid().ToString();
        await probe.RunAsync(1, "template.create", new() { ["domain"] = domain, ["image"] = source, ["template"] = template });
        string[] images = [Guid.NewGuid().ToString(), Guid.NewGuid().ToString()];
        foreach (var image in images)
        {
            await probe.RunAsync(1, "image.create", new()
            {
                ["domain"] = domain, ["image"] = image, ["size"] = (256 * MiB).ToString(CultureInfo.InvariantCulture), ["format"] = "cow", ["template"] = template,
            });
        }

        var (driveB, exportsB, blockdevsB) = await PrepareAsync(pool, domain, images[0]);
        var (driveC, exportsC, _) = await PrepareAsync(pool, domain, images[1]);
        Assert.Equal(2, exportsB.Count);
        Assert.Equal(exportsB[0], exportsC[0]);
        Assert.NotEqual(exportsB[1], exportsC[1]);
        await ThinProbe.AssertReadsAsync(driveB, 8, 0x11);
        await ThinProbe.WriteAsync(driveB, 4, 4, 0x22, TimeSpan.FromSeconds(30));
        await ThinProbe.AssertReadsAsync(driveC, 8, 0x11);
        Assert.Equal(["nbd", "qcow2", "nbd", "qcow2"], blockdevsB.Select(n => (string)n["driver"]!));
        string read = await QemuSystemReadsAsync(blockdevsB, "read -P 0x22 0 4M", "read -P 0x11 4M 4M");
        Assert.Equal(2, read.Split("read 4194304/4194304 bytes").Length - 1);
        Assert.DoesNotContain("Pattern verification failed", read, StringComparison.Ordinal);

        await pool.InvokeAsync(1, "image.teardown", new Dictionary<string, string> { ["domain"] = domain, ["image"] = images[0] }, default);
        string templateExport = exportsB[0];
        var still = await ReadExportAsync(templateExport);
        Assert.True(Read(still), $"the template's export went away while image C still uses it: {still.StandardOutput}{still.StandardError}");
        await ThinProbe.AssertReadsAsync(driveC, 8, 0x11);

        await pool.InvokeAsync(1, "image.teardown", new Dictionary<string, string> { ["domain"] = domain, ["image"] = images[1] }, default);
        var gone = await ReadExportAsync(templateExport);
        Assert.False(Read(gone), $"the template's export is still served after the last teardown: {gone.StandardOutput}");
        Assert.Contains("export", gone.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>qemu-io reading the first 64 KiB of an export, read-only (as a parent is opened).</summary>
    private static Task<Sanpool.TestSupport.ToolResult> ReadExportAsync(string uri) =>
        Sanpool.TestSupport.ToolRunner.RunAsync("qemu-io", ["-r", "-f", "raw", "-c", "read 0 64k", uri], timeout: TimeSpan.FromSeconds(30));

    private static bool Read(Sanpool.TestSupport.ToolResult run) => run.Succeeded && run.StandardOutput.Contains("read 65536/65536 bytes", StringComparison.Ordinal);

    /// <summary>image.prepare on host 1: the drive, each volume's export as a qemu NBD URI, and the -blockdev nodes, base first.</summary>
    private static async Task<(string Drive, List<string> Exports, List<JsonNode> Blockdevs)> PrepareAsync(Sanpool.Harness.LocalPools.LocalPool pool, string domain, string image)
    {
        var reply = await pool.InvokeAsync(1, "image.prepare", new Dictionary<string, string> { ["domain"] = domain, ["image"] = image }, default);
        string socket = (string)reply["nbd_socket"]!;
        var exports = ((JsonArray)reply["volumes"]!).Select(v => $"nbd+unix:///{(string)v!["export"]!}?socket={socket}").ToList();
        return ((string)reply["drive"]!, exports, [.. ((JsonArray)reply["blockdevs"]!).Select(n => n!)]);
    }

    /// <summary>
    /// A qemu-system-x86_64 (no machine, stopped) given the chain's -blockdev nodes as a VM gets
    /// them, running qemu-io commands on the top node through its monitor; returns the output.
    /// </summary>
    private static async Task<string> QemuSystemReadsAsync(IReadOnlyList<JsonNode> blockdevs, params string[] commands)
    {
        string top = (string)blockdevs[^1]["node-name"]!;
        var qmp = new System.Text.StringBuilder("{\"execute\":\"qmp_capabilities\"}\n");
        foreach (var command in commands)
        {
            var hmp = new JsonObject { ["execute"] = "human-monitor-command", ["arguments"] = new JsonObject { ["command-line"] = $"qemu-io {top} \"{command}\"" } };
            qmp.Append(hmp.ToJsonString()).Append('\n');
        }

        qmp.Append("{\"execute\":\"quit\"}\n");
        string script = Path.Combine(Path.GetTempPath(), $"qmp-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(script, qmp.ToString());
        try
        {
            var args = new List<string> { "-c", "exec qemu-system-x86_64 -nodefaults -display none -machine none -S -qmp stdio \"$@\" < " + script, "qemu" };
            args.AddRange(blockdevs.SelectMany(n => new[] { "-blockdev", n.ToJsonString() }));
            var run = await Sanpool.TestSupport.ToolRunner.RunAsync("sh", args, timeout: TimeSpan.FromSeconds(60));
            Assert.True(run.Succeeded, $"qemu-system-x86_64 failed: {run.StandardError}");
            return run.StandardOutput;
        }
        finally
        {
            File.Delete(script);
        }
    }
}
