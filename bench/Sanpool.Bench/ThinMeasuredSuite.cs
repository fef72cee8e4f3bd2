using System.Diagnostics;
using System.Globalization;
using Sanpool.Core.Tools;
using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>
/// The highest sustained write rate with no ENOSPC pause, measured with the real parts (what
/// <see cref="ThinSuite"/> simulates): for each policy, qemu-io writes a thin disk that starts at
/// one extent through Sanpool's NBD server while the thin monitor has the SPM extend its LV
/// through the storage mailbox (<see cref="ThinMeasuredBench"/>); the highest rate with no pause
/// is searched by bisection, against the anchor (the same writer unthrottled, no extension).
/// Needs root (loop devices, lvm) and qemu-io. Writes bench/results/thin-measured.md.
/// </summary>
internal static class ThinMeasuredSuite
{
    private const long MiB = 1024 * 1024;
    private const long SmallChunk = 128 * MiB;

    public static Task RunAsync(BenchOptions options, string root) =>
        CtrlC.RunAsync("run", stop => RunAsync(options, root, stop));

    private static async Task RunAsync(BenchOptions options, string root, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        long capacity = options.ThinDiskGiB * 1024 * MiB;
        var policies = new (string Name, ExtensionPolicyOptions Policy)[]
        {
            ("VDSM defaults", new ExtensionPolicyOptions()),
            ("predictive", new ExtensionPolicyOptions { Mode = ExtensionMode.Predictive }),
            ("VDSM, small chunk", new ExtensionPolicyOptions { ChunkBytes = SmallChunk }),
            ("predictive, small chunk", new ExtensionPolicyOptions { ChunkBytes = SmallChunk, Mode = ExtensionMode.Predictive }),
            ("VDSM, small chunk, utilization 90 %", new ExtensionPolicyOptions { ChunkBytes = SmallChunk, UtilizationPercent = 90 }),
            ("predictive, small chunk, utilization 90 %", new ExtensionPolicyOptions { ChunkBytes = SmallChunk, UtilizationPercent = 90, Mode = ExtensionMode.Predictive }),
        };
        string setup = await SetupAsync();

        // tmpfs: the writer's rate is not the disk's, and nothing of it outlives the run.
        string work = Path.Combine("/dev/shm", $"sanpool-thin-measured-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            long extents = (new ExtensionPolicyOptions().MaximumSize(capacity) / MailboxBenchRig.ExtentSize) + 2;
            await using var rig = await MailboxBenchRig.CreateAsync(work, hosts: 1, extents);
            var bench = new ThinMeasuredBench(rig, work, capacity, stop);
            Console.Error.WriteLine("thin-measured: anchor (qemu-io unthrottled, no extension) ...");
            double anchor = await bench.AnchorAsync();
            Console.Error.WriteLine(FormattableString.Invariant($"thin-measured: anchor {anchor:0} MiB/s"));
            var rows = new List<ThinMeasuredRow>();
            foreach (var (name, policy) in policies)
            {
                rows.Add(await bench.SearchAsync(name, policy, Top(anchor), options.ThinSteps));
            }

            string markdown = ThinMeasuredReport.Format(setup, capacity, anchor, rows, clock.Elapsed);
            Console.WriteLine(markdown);
            string output = options.ThinMeasuredOut ?? Path.Combine(root, "bench", "results", "thin-measured.md");
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            await File.WriteAllTextAsync(output, markdown, stop);
            Console.Error.WriteLine($"written to {output} ({clock.Elapsed.TotalMinutes:0.0} min)");
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"cannot remove {work}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// The top of every search: 90 % of the writer's own rate, so that a run at the top fails
    /// for a pause, not for a writer that could not quite hold its ceiling on a loaded machine.
    /// </summary>
    public static double Top(double anchorMiB) => Math.Floor(0.9 * anchorMiB);

    private static async Task<string> SetupAsync()
    {
        string lvm = (await ExternalTool.RunAsync(["lvm", "version"], TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
        string qemuIo = (await ExternalTool.RunAsync(["qemu-io", "--version"], TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
        string load;
        try
        {
            load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            load = "unknown";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; load average {load}; {Environment.OSVersion}; {lvm.Trim()}; {qemuIo.Trim()}.");
    }
}
