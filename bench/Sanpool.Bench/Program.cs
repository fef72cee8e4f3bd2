using System.Globalization;
using Sanpool.Bench;

// Sanpool's leases against the real sanlock 3.8.5 on the same storage, with the same io_timeout:
//   1. uncontended acquire + release latency: Sanpool in-process, through its daemon, and sanlock;
//   2. takeover time after the holder's host is killed, against host_dead.
// Needs root and the sanlock package. Prints a Markdown table and writes it to bench/results/latest.md.
var options = BenchOptions.Parse(args);
string root = Checkout.Root();
string cli = Checkout.SanpoolCli(root);
string work = Path.Combine("/tmp", $"sanpool-bench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
var notes = new List<string>();
var layout = new BenchLayout(Path.Combine(work, "leases"));
try
{
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

    SanpoolHost? daemon = null;
    try
    {
        daemon = await SanpoolHost.StartAsync(cli, "bench-sanpool", Path.Combine(work, "run-sanpool"));
        await daemon.AddLockspaceAsync(layout.LockspaceSpec(BenchLayout.SanpoolDaemonHostId), options.Io);
    }
    catch (InvalidOperationException e)
    {
        notes.Add($"the Sanpool daemon is not available ({cli} leased): {e.Message.Split('\n')[0]}");
        if (daemon is not null)
        {
            await daemon.DisposeAsync();
            daemon = null;
        }
    }

    try
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

        var takeovers = new List<TakeoverResult>();
        if (options.Takeover != "none")
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

            takeovers.AddRange(await Task.WhenAll(runs));
            notes.Add("last renewal: when the dead host's new timestamp first appeared, polling its delta lease every 50 ms" +
                      (runs.Count > 1 ? "; both takeovers ran at the same time, on the same lockspace." : "."));
            notes.Add("failed attempts: quick refusals while the taker's own last look at the holder's host id still saw it change; " +
                      "then one attempt waits out host_dead and succeeds.");
        }

        string table = Report.Format(options, setup, latency, anchor, takeovers, notes);
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

    return 0;
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
    }
}
