using System.Globalization;
using Sanpool.Core.Tools;

namespace Sanpool.Bench;

/// <summary>
/// The storage mailbox's round trip (request written by a host, handled by the SPM, reply read
/// by the host) on loop devices, for 1, 10 and 100 hosts asking at once: with a no-op handler
/// (the mailbox alone), the same with the agent's hints wired, and with a handler that runs a
/// real <c>lvextend</c> by one extent; then the agent's whole round trip (hints wired, lvextend,
/// the host's refresh of its LV's map) split into mailbox, lvextend and refresh; each against
/// bare <c>lvextend</c> (the anchor). Prints
/// Markdown and writes it to bench/results/mailbox.md.
/// </summary>
internal static class MailboxSuite
{
    /// <summary>(hosts, rounds): about 100-500 samples per no-op series, fewer where lvextend makes rounds long; the split series as the lvextend one.</summary>
    private static readonly (int Hosts, int NoopRounds, int LvRounds)[] Series = [(1, 200, 40), (10, 30, 6), (100, 5, 2)];
    private const int AnchorRounds = 40;

    public static Task RunAsync(string root, string work) =>
        CtrlC.RunAsync("series", stop => RunAsync(root, work, stop));

    private static async Task RunAsync(string root, string work, CancellationToken stop)
    {
        // Every host here is a client in this one process; in a cluster each is its own
        // process with its own thread pool. Each O_DIRECT read or write blocks a pool thread,
        // so 100 hosts asking at once would otherwise queue behind the pool's slow growth.
        ThreadPool.GetMinThreads(out int workers, out int completions);
        ThreadPool.SetMinThreads(Math.Max(workers, 256), completions);
        string setup = await SetupAsync();
        // The lvextend series and the split series each grow every host's LV by one extent a round.
        long extents = MailboxBench.ExtentsFor(Series.SelectMany(s => new[] { (s.Hosts, s.LvRounds), (s.Hosts, s.LvRounds) }), AnchorRounds);
        int hosts = Series.Max(s => s.Hosts);
        await using var rig = await MailboxBenchRig.CreateAsync(work, hosts, extents);
        var bench = new MailboxBench(rig, stop);
        var splitBench = new MailboxSplitBench(rig, stop);

        Console.Error.WriteLine($"mailbox: bare lvextend x {AnchorRounds} ...");
        var anchor = LatencyStats.From("anchor: bare `lvextend` by one extent", await bench.BareLvExtendAsync(AnchorRounds));
        var rows = new List<(int Hosts, LatencyStats Stats)>();
        var splits = new List<(int Hosts, IReadOnlyList<LatencyStats> Parts)>();
        foreach (var (n, noop, lv) in Series)
        {
            Console.Error.WriteLine($"mailbox: {n} host(s): no-op x {noop}, hinted no-op x {noop}, lvextend x {lv} rounds ...");
            rows.Add((n, LatencyStats.From("mailbox, no-op handler", await bench.RoundTripsAsync(n, noop, lvextend: false, hints: false))));
            rows.Add((n, LatencyStats.From("mailbox, no-op handler, hints wired (`Requested` -> SPM `Wake`, `Replied` -> host `Wake`)", await bench.RoundTripsAsync(n, noop, lvextend: false, hints: true))));
            rows.Add((n, LatencyStats.From("mailbox + `lvextend` by one extent in the handler", await bench.RoundTripsAsync(n, lv, lvextend: true, hints: false))));
            Console.Error.WriteLine($"mailbox: {n} host(s): split (hinted, lvextend, refresh) x {lv} rounds ...");
            splits.Add((n, (await splitBench.RunAsync(n, lv)).Parts()));
        }

        string table = MailboxReport.Format(setup, anchor, rows, splits);
        Console.WriteLine(table);
        string output = Path.Combine(root, "bench", "results", "mailbox.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, table, stop);
        Console.Error.WriteLine($"written to {output}");
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static async Task<string> SetupAsync()
    {
        string lvm = (await ExternalTool.RunAsync(["lvm", "version"], TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; load average {LoadAverage()}; {Environment.OSVersion}; {lvm.Trim()}. " +
            $"Inbox and outbox: two 16 MiB loop devices over sparse files (O_DIRECT, 512-byte sectors); the VG (128 MiB extents, one LV per host) on a third; " +
            $"no device-mapper: LVM works on metadata only. Hosts and SPM are in one process (one `MailboxClient` per host id, one `MailboxServer`), default `MailboxOptions`.");
    }
}
