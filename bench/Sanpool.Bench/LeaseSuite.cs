using System.Globalization;

namespace Sanpool.Bench;

/// <summary>
/// Sanpool's leases against the real sanlock 3.8.5 on the same storage, with the same io_timeout:
/// <list type="number">
/// <item>uncontended acquire + release latency: Sanpool in-process, through its daemon, and sanlock;</item>
/// <item>takeover time after the holder's host is killed, against host_dead.</item>
/// </list>
/// Needs root and the sanlock package. Prints a Markdown table and writes it to bench/results/latest.md.
/// </summary>
internal static class LeaseSuite
{
    public static async Task RunAsync(BenchOptions options, string root, string work)
    {
        string cli = Checkout.SanpoolCli(root);
        Directory.CreateDirectory(work);
        var notes = new List<string>();
        var layout = new BenchLayout(Path.Combine(work, "leases"));
        await layout.CreateAsync(options.Io);
        string sanlockVersion = (await ExternalProcess.RunAsync("sanlock", ["version"])).Trim();
        string setup = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; {sanlockVersion}; storage: one file on {Environment.OSVersion}, " +
            $"512-byte sectors, 1M alignment, O_DIRECT (`{layout.Path}`); io_timeout {options.Io} s for every host.");

        Console.Error.WriteLine("starting the sanlock daemon and the Sanpool daemon, joining the lockspace ...");
        await using var sanlock = await SanlockHost.StartAsync("bench-sanlock", Path.Combine(work, "run-sanlock"));
        await sanlock.AddLockspaceAsync(layout.LockspaceSpec(BenchLayout.SanlockHostId), options.Io);
        LibSanlock.UseRunDirectory(sanlock.RunDir);
        int sock = LibSanlock.Register();
        var daemon = await StartDaemonAsync(cli, layout, options, work, notes);
        try
        {
            string table = await MeasureAsync(options, layout, cli, daemon, sock, work, setup, notes);
            Console.WriteLine(table);
            string output = options.Out ?? Path.Combine(root, "bench", "results", "latest.md");
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            await File.WriteAllTextAsync(output, table);
            Console.Error.WriteLine($"written to {output}");
        }
        finally
        {
            _ = Posix.Close(sock);
            if (daemon is not null)
            {
                await daemon.DisposeAsync();
            }
        }
    }

    /// <summary>The Sanpool daemon joined to the lockspace, or null (with a note) when it cannot start.</summary>
    private static async Task<SanpoolHost?> StartDaemonAsync(string cli, BenchLayout layout, BenchOptions options, string work, List<string> notes)
    {
        SanpoolHost? daemon = null;
        try
        {
            daemon = await SanpoolHost.StartAsync(cli, "bench-sanpool", Path.Combine(work, "run-sanpool"));
            await daemon.AddLockspaceAsync(layout.LockspaceSpec(BenchLayout.SanpoolDaemonHostId), options.Io);
            return daemon;
        }
        catch (InvalidOperationException e)
        {
            notes.Add($"the Sanpool daemon is not available ({cli} leased): {e.Message.Split('\n')[0]}");
            if (daemon is not null)
            {
                await daemon.DisposeAsync();
            }

            return null;
        }
    }

    private static async Task<string> MeasureAsync(BenchOptions options, BenchLayout layout, string cli, SanpoolHost? daemon, int sock, string work,
        string setup, List<string> notes)
    {
        Console.Error.WriteLine($"latency: {options.Rounds} rounds each ...");
        var bench = new LatencyBench(layout, options);
        var latency = new List<LatencyStats> { await bench.InProcessAsync() };
        if (daemon is not null)
        {
            latency.Add(await bench.DaemonAsync(daemon));
        }

        var anchor = await bench.SanlockAsync(sock);
        latency.Add(anchor);
        var takeovers = options.Takeover == "none" ? [] : await TakeoverAsync(options, layout, cli, daemon, sock, work, notes);
        return Report.Format(options, setup, latency, anchor, takeovers, notes);
    }

    private static async Task<IReadOnlyList<TakeoverResult>> TakeoverAsync(BenchOptions options, BenchLayout layout, string cli, SanpoolHost? daemon, int sock,
        string work, List<string> notes)
    {
        Console.Error.WriteLine($"takeover: about {(8 * options.Io) + 70} s ...");
        var takeover = new TakeoverBench(layout, options, work);
        var runs = new List<Task<TakeoverResult>>();
        if (daemon is not null)
        {
            runs.Add(takeover.SanpoolAsync(cli, daemon));
        }
        else
        {
            notes.Add("no Sanpool takeover: it needs `sanpool leased`");
        }

        if (options.Takeover == "both")
        {
            runs.Add(takeover.SanlockAsync(sock));
        }

        var results = await Task.WhenAll(runs);
        notes.Add("last renewal: when the dead host's new timestamp first appeared, polling its delta lease every 50 ms" +
                  (runs.Count > 1 ? "; both takeovers ran at the same time, on the same lockspace." : "."));
        notes.Add("failed attempts: quick refusals while the taker's own last look at the holder's host id still saw it change; " +
                  "then one attempt waits out host_dead and succeeds.");
        return results;
    }
}
