using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Harness.LocalPools;
using Sanpool.Core.Tools;
using Sanpool.Storage.Domains;

namespace Sanpool.Bench;

/// <summary>
/// A pool of 3 hosts on 2 block domains on this machine (<see cref="LocalPool"/>: loop-device
/// LUNs, one <c>sanpool agent run</c> process per host), one pool per io_timeout:
/// <list type="number">
/// <item>snapshot create through the SPM's agent, against the same operation through the
/// library (one writer kept open) and the one-shot CLI (<see cref="SnapshotBench"/>, run on the
/// pool's data domain before the agents start), all against one series of bare lvcreate +
/// qemu-img create rounds on that domain;</item>
/// <item>SPM failover after kill -9 of the SPM's agent, against host_dead (<see cref="FailoverBench"/>).</item>
/// </list>
/// Ctrl-C stops the suite after the step under way; disposing each pool stops its agents and
/// detaches its loop devices. Needs root, lvm2 and qemu-utils. Prints Markdown and writes it to
/// bench/results/pool.md.
/// </summary>
internal static class PoolSuite
{
    private const int Hosts = 3;

    private const int Domains = 2;

    /// <summary>The host id the library and CLI writers use on the data domain: none of the pool's agents.</summary>
    private const int BenchHostId = 100;

    /// <summary>Where the agents' logs are copied when each pool ends (the work directory goes).</summary>
    private static string LogRoot => Path.Combine("/tmp", $"sanpool-bench-logs-{Environment.ProcessId}");

    public static Task RunAsync(BenchOptions options, string root, string work) =>
        CtrlC.RunAsync("step", stop => RunAsync(options, root, work, stop));

    private static async Task RunAsync(BenchOptions options, string root, string work, CancellationToken stop)
    {
        string cli = await Checkout.SanpoolBinaryAsync(root);
        string setup = await SetupAsync();
        var failovers = new List<FailoverResult>();
        // The latency pool (io_timeout --io) first; its failover runs, if asked for, on the same pool.
        var ios = options.Failover.Select(f => f.Io).Prepend(options.Io).Distinct().ToList();
        (int Library, int Agent, IReadOnlyList<LatencyStats> Rows)? snapshot = null;
        foreach (int io in ios)
        {
            int runs = options.Failover.FirstOrDefault(f => f.Io == io).Repetitions;
            await using var pool = await CreatePoolAsync(options, cli, Path.Combine(work, $"io{io}"), io, runs, stop);
            using var keep = new KeptLogs(pool, Path.Combine(LogRoot, $"io{io}"));
            if (io == options.Io)
            {
                snapshot = await SnapshotsAsync(options, pool, cli, stop);
            }
            else
            {
                pool.StartAll();
            }

            if (runs > 0)
            {
                failovers.AddRange(await new FailoverBench(pool, stop).RunAsync(runs, pool.Domains[1]));
            }
        }

        var (libraryLvs, agentLvs, rows) = snapshot!.Value;
        string table = PoolReport.Format(options, new PoolResults(setup, options.Io, libraryLvs, agentLvs, rows, failovers));
        Console.WriteLine(table);
        string output = options.PoolOut ?? Path.Combine(root, "bench", "results", "pool.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, table, CancellationToken.None); // the table of what ran is written even after Ctrl-C
        Console.Error.WriteLine($"written to {output}");
    }

    private static async Task<LocalPool> CreatePoolAsync(BenchOptions options, string cli, string dir, int io, int failoverRuns, CancellationToken stop)
    {
        // The latency pool's data domain holds every path's images and snapshots (one extent
        // each: library and CLI 2 x 2 per round, the agent 2 per round); each failover one image.
        long extents = 16 + failoverRuns + BlockDomainLayout.SpecialExtents(1024 * 1024)
                       + (io == options.Io ? 6L * (SnapshotBench.Warmup + options.SnapshotRounds) : 0);
        long lunSize = Math.Max(8L << 30, (extents + 3) * BlockDomainLayout.ExtentSize);
        Console.Error.WriteLine($"pool io_timeout {io}: {Hosts} hosts, {Domains} block domains of {lunSize >> 30} GiB (sparse) ...");
        return await LocalPool.CreateAsync(new LocalPoolOptions
        {
            WorkDir = dir,
            Command = [cli],
            Hosts = Hosts,
            Domains = Domains,
            IoTimeout = io,
            LunSize = lunSize,
        }, NullLogger.Instance, stop);
    }

    /// <summary>
    /// Library and CLI first, on the data domain with no agent running (they become its writer
    /// as host <see cref="BenchHostId"/>); then the agents start and the SPM's agent does the same.
    /// </summary>
    private static async Task<(int Library, int Agent, IReadOnlyList<LatencyStats> Rows)> SnapshotsAsync(BenchOptions options, LocalPool pool, string cli,
        CancellationToken stop)
    {
        string scratch = Path.Combine(pool.Options.WorkDir, "bench");
        var domain = BenchDomain.Borrow(pool.Devices[1], pool.Domains[1], Path.Combine(scratch, "run"), pool.Options.IoTimeout, BenchHostId);
        var anchor = new StorageAnchor(domain);
        var rounds = new SnapshotAnchorRounds(anchor, Path.Combine(scratch, "anchor"));
        var direct = new SnapshotBench(domain, anchor, rounds, options, cli, stop);
        var rows = await direct.RunAsync();

        pool.StartAll();
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(120 + (20 * pool.Options.IoTimeout)), null, stop);
        int agentLvs = (await anchor.LvsAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        var agent = await new AgentSnapshotBench(pool, rounds, options, stop).RunAsync(spm, pool.Domains[1]);
        return (direct.LvCount, agentLvs, [.. agent, rows[0], rows[1], rounds.Stats()]);
    }

    private static async Task<string> SetupAsync()
    {
        string lvm = await FirstLineAsync(["lvm", "version"]);
        string qemu = await FirstLineAsync(["qemu-img", "--version"]);
        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; {Environment.OSVersion}; {lvm.Trim()}; {qemu.Trim()}. " +
            $"Each pool: {Hosts} hosts (one `sanpool agent run` process each, SPM priority 5 for all) on this machine, {Domains} block domains " +
            $"(VDSM v5 layout, 128 MiB extents, 512-byte sectors) on loop devices over sparse files (direct I/O), no device-mapper.");
    }

    private static async Task<string> FirstLineAsync(IReadOnlyList<string> argv) =>
        (await ExternalTool.RunAsync(argv, TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
}
