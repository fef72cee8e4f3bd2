using System.Globalization;
using System.Security.Cryptography;
using Sanpool.Core.Tools;

namespace Sanpool.Bench;

/// <summary>
/// Sanpool's NBD server against qemu-nbd serving the same file, both driven by the same client
/// (<c>qemu-img bench</c>, sequential reads and writes of 1 MiB and 4 KiB at depth 16), once on
/// tmpfs (page cache: the servers' own cost) and once on ext4 with O_DIRECT (in front of real
/// storage). Rounds alternate which server goes first; each figure is the median over rounds of
/// the time qemu-img bench reports for its I/O (not its start-up). The file is filled with
/// random data first, so no server can answer a read from a hole. Needs qemu-utils; no root.
/// Prints Markdown and writes it to bench/results/nbd.md.
/// </summary>
internal static class NbdSuite
{
    public static Task RunAsync(BenchOptions options, string root, string work) =>
        CtrlC.RunAsync("round", stop => RunAsync(options, root, work, stop));

    private static async Task RunAsync(BenchOptions options, string root, string work, CancellationToken stop)
    {
        string shm = $"/dev/shm/sanpool-bench-nbd-{Environment.ProcessId}";
        NbdBacking[] backings =
        [
            new("tmpfs (page cache)", shm, Direct: false),
            new("ext4 /tmp (O_DIRECT)", Path.Combine(work, "direct"), Direct: true),
        ];
        string loadBefore = LoadAverage();
        var results = new List<NbdResult>();
        try
        {
            foreach (var backing in backings)
            {
                results.AddRange(await RunBackingAsync(backing, options, stop));
            }
        }
        finally
        {
            if (Directory.Exists(shm))
            {
                Directory.Delete(shm, recursive: true);
            }
        }

        string qemu = (await ExternalTool.RunAsync(["qemu-nbd", "--version"], TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
        string setup = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; {Environment.OSVersion}; {qemu.Trim()}; a {options.NbdSizeMiB} MiB file of random data; " +
            $"load average (1, 5, 15 min) {loadBefore} before and {LoadAverage()} after (other work on the machine shares its CPUs)");
        string table = NbdReport.Format(setup, results);
        Console.WriteLine(table);
        string output = options.NbdOut ?? Path.Combine(root, "bench", "results", "nbd.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, table, stop);
        Console.Error.WriteLine($"written to {output}");
    }

    private static async Task<IEnumerable<NbdResult>> RunBackingAsync(NbdBacking backing, BenchOptions options, CancellationToken stop)
    {
        Directory.CreateDirectory(backing.Directory);
        string file = Path.Combine(backing.Directory, "disk.raw");
        string socket = Path.Combine(backing.Directory, "nbd.sock");
        long size = (long)options.NbdSizeMiB << 20;
        await FillAsync(file, size, stop);
        var workloads = NbdWorkload.For(size);
        var sanpool = workloads.ToDictionary(w => w, _ => new List<double>());
        var qemu = workloads.ToDictionary(w => w, _ => new List<double>());
        for (int round = 0; round < options.NbdRounds; round++)
        {
            foreach (bool sanpoolTurn in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                stop.ThrowIfCancellationRequested();
                await using var server = sanpoolTurn
                    ? NbdServerUnderTest.StartSanpool(backing, file, socket)
                    : await NbdServerUnderTest.StartQemuNbdAsync(backing, file, socket);
                await BenchAsync(server, new NbdWorkload("warm-up", false, 4096, 16, 2000));
                foreach (var w in workloads)
                {
                    double mibps = w.Bytes / (1024.0 * 1024.0) / await BenchAsync(server, w);
                    (sanpoolTurn ? sanpool : qemu)[w].Add(mibps);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nbd {backing.Name} round {round + 1}: {server.Name,-8} {w.Name}: {mibps:0.0} MiB/s"));
                }
            }
        }

        return workloads.Select(w => new NbdResult(backing, w, options.NbdRounds, Median(sanpool[w]), Median(qemu[w])));
    }

    /// <summary>Runs qemu-img bench and returns the seconds it reports ("Run completed in X seconds.").</summary>
    private static async Task<double> BenchAsync(NbdServerUnderTest server, NbdWorkload workload)
    {
        string output = await ExternalProcess.RunAsync("qemu-img", workload.Arguments(server.Uri), timeout: TimeSpan.FromMinutes(10));
        const string Marker = "Run completed in ";
        int at = output.IndexOf(Marker, StringComparison.Ordinal);
        int end = at < 0 ? -1 : output.IndexOf(' ', at + Marker.Length);
        return end > at && double.TryParse(output.AsSpan(at + Marker.Length, end - at - Marker.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
            ? s
            : throw new InvalidOperationException($"qemu-img bench said no time: {output}");
    }

    private static async Task FillAsync(string file, long size, CancellationToken stop)
    {
        byte[] chunk = new byte[1 << 20];
        await using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.WriteThrough);
        for (long done = 0; done < size; done += chunk.Length)
        {
            // Fresh random bytes at the head of every MiB: no two blocks alike, and every extent allocated with data.
            RandomNumberGenerator.Fill(chunk.AsSpan(0, 4096));
            await stream.WriteAsync(chunk, stop);
        }

        stream.Flush(flushToDisk: true);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
