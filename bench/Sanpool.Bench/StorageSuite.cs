using System.Globalization;
using Sanpool.Core.Tools;
using Sanpool.Storage.Domains;

namespace Sanpool.Bench;

/// <summary>
/// Sanpool's block-domain storage against lvm and qemu-img run directly, on a loop-device LUN:
/// <list type="number">
/// <item>snapshot create (library with one writer open; one-shot CLI) against bare lvcreate + qemu-img create;</item>
/// <item>dump-volume-chains and domain check of a domain of many volumes against one lvs.</item>
/// </list>
/// Each part has a LUN of its own, detached when it ends, failed or not; Ctrl-C stops the suite
/// after the round under way, so that it still detaches them. Needs root, lvm2 and qemu-utils.
/// Prints Markdown and writes it to bench/results/storage.md.
/// </summary>
internal static class StorageSuite
{
    public static Task RunAsync(BenchOptions options, string root, string work) =>
        CtrlC.RunAsync("round", stop => RunAsync(options, root, work, stop));

    private static async Task RunAsync(BenchOptions options, string root, string work, CancellationToken stop)
    {
        string cli = await Checkout.SanpoolBinaryAsync(root);
        string setup = await SetupAsync(options);
        var (snapshot, lvs) = await SnapshotsAsync(options, cli, work, stop);
        var (build, inventory) = await InventoryAsync(options, cli, work, stop);
        var results = new StorageResults(setup, snapshot, lvs, options.Volumes, VolumeFleet.Images(options.Volumes), build, inventory);
        string table = StorageReport.Format(options, results);
        Console.WriteLine(table);
        string output = options.StorageOut ?? Path.Combine(root, "bench", "results", "storage.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, table, CancellationToken.None); // the table of what ran is written even after Ctrl-C
        Console.Error.WriteLine($"written to {output}");
    }

    private static async Task<(IReadOnlyList<LatencyStats> Rows, int Lvs)> SnapshotsAsync(BenchOptions options, string cli, string work, CancellationToken stop)
    {
        // Each round's image (base) and snapshot take one extent each, both paths.
        long extents = (4L * (SnapshotBench.Warmup + options.SnapshotRounds)) + BlockDomainLayout.SpecialExtents(1024 * 1024) + 16;
        string dir = Path.Combine(work, "snapshot");
        await using var domain = await BenchDomain.CreateAsync(dir, (extents + 3) * BlockDomainLayout.ExtentSize, options.Io);
        var anchor = new StorageAnchor(domain);
        var bench = new SnapshotBench(domain, anchor, new SnapshotAnchorRounds(anchor, Path.Combine(dir, "anchor")), options, cli, stop);
        var rows = await bench.RunAsync();
        return (rows, bench.LvCount);
    }

    private static async Task<(TimeSpan Build, IReadOnlyList<LatencyStats> Rows)> InventoryAsync(BenchOptions options, string cli, string work, CancellationToken stop)
    {
        await using var domain = await BenchDomain.CreateAsync(Path.Combine(work, "fleet"), VolumeFleet.LunSize(options.Volumes), options.Io);
        Console.Error.WriteLine($"big domain: making {options.Volumes} volumes through the library ...");
        var build = await VolumeFleet.BuildAsync(domain, options.Volumes, stop);
        Console.Error.WriteLine($"big domain: {options.ListRounds} rounds of lvs, dump-volume-chains and domain check ...");
        var rows = await new InventoryBench(domain, new StorageAnchor(domain), options, cli, stop).RunAsync(options.Volumes);
        return (build, rows);
    }

    private static async Task<string> SetupAsync(BenchOptions options)
    {
        string lvm = await FirstLineAsync(["lvm", "version"]);
        string qemu = await FirstLineAsync(["qemu-img", "--version"]);
        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; {Environment.OSVersion}; {lvm.Trim()}; {qemu.Trim()}. " +
            $"Each part on a block domain of its own (VDSM v5 layout, 128 MiB extents, 512-byte sectors, io_timeout {options.Io} s) on a loop device " +
            $"over a sparse file (direct I/O), no device-mapper: LVM works on metadata only, volumes are read and written through their extent maps.");
    }

    private static async Task<string> FirstLineAsync(IReadOnlyList<string> argv) =>
        (await ExternalTool.RunAsync(argv, TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
}
