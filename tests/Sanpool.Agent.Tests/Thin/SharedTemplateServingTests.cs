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
/// loop device, qemu-io through the prepared drives and straight to the export.
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

        var (driveB, exportsB) = await PrepareAsync(pool, domain, images[0]);
        var (driveC, exportsC) = await PrepareAsync(pool, domain, images[1]);
        Assert.Equal(2, exportsB.Count);
        Assert.Equal(exportsB[0], exportsC[0]);
        Assert.NotEqual(exportsB[1], exportsC[1]);
        await thin.AssertReadsAsync(driveB, 8, 0x11);
        await ThinProbe.WriteAsync(driveB, 4, 4, 0x22, TimeSpan.FromSeconds(30));
        await thin.AssertReadsAsync(driveC, 8, 0x11);

        await pool.InvokeAsync(1, "image.teardown", new Dictionary<string, string> { ["domain"] = domain, ["image"] = images[0] }, default);
        string templateExport = exportsB[0];
        var still = await ReadExportAsync(templateExport);
        Assert.True(Read(still), $"the template's export went away while image C still uses it: {still.StandardOutput}{still.StandardError}");
        await thin.AssertReadsAsync(driveC, 8, 0x11);

        await pool.InvokeAsync(1, "image.teardown", new Dictionary<string, string> { ["domain"] = domain, ["image"] = images[1] }, default);
        var gone = await ReadExportAsync(templateExport);
        Assert.False(Read(gone), $"the template's export is still served after the last teardown: {gone.StandardOutput}");
        Assert.Contains("export", gone.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>qemu-io reading the first 64 KiB of an export, read-only (as a parent is opened).</summary>
    private static Task<Sanpool.TestSupport.ToolResult> ReadExportAsync(string uri) =>
        Sanpool.TestSupport.ToolRunner.RunAsync("qemu-io", ["-r", "-f", "raw", "-c", "read 0 64k", uri], timeout: TimeSpan.FromSeconds(30));

    private static bool Read(Sanpool.TestSupport.ToolResult run) => run.Succeeded && run.StandardOutput.Contains("read 65536/65536 bytes", StringComparison.Ordinal);

    /// <summary>image.prepare on host 1: the drive, and each volume's export as a qemu NBD URI, base first.</summary>
    private static async Task<(string Drive, List<string> Exports)> PrepareAsync(Sanpool.Agent.Local.LocalPool pool, string domain, string image)
    {
        var reply = await pool.InvokeAsync(1, "image.prepare", new Dictionary<string, string> { ["domain"] = domain, ["image"] = image }, default);
        string socket = (string)reply["nbd_socket"]!;
        var exports = ((JsonArray)reply["volumes"]!).Select(v => $"nbd+unix:///{(string)v!["export"]!}?socket={socket}").ToList();
        return ((string)reply["drive"]!, exports);
    }
}
