using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Api;
using Sanpool.Api.Host;
using Sanpool.Core.Tools;
using Sanpool.Engine.Data;
using Sanpool.Engine.Jobs;
using Sanpool.Harness.LocalPools;
using Sanpool.Storage.Domains;

namespace Sanpool.Bench;

/// <summary>
/// sanpool-engine against what it drives, on one local pool (<see cref="LocalPool"/>: 3 hosts,
/// 2 block domains on loop devices, one <c>sanpool agent run</c> process per host, the agents'
/// own election off: the engine picks the SPM), the engine in this process on a real Kestrel
/// listener (<see cref="BenchEngine"/>):
/// <list type="number">
/// <item>reconcile: the chains of a data domain of many real volumes (built through the library
/// before the agents start) through the engine, against one <c>domain.volumes</c>
/// (<see cref="EngineReconcileBench"/>);</item>
/// <item>jobs: a VM snapshot through the engine against <c>snapshot.create</c> on the SPM's agent (<see cref="EngineJobBench"/>);</item>
/// <item>lists: <c>GET /api/disks</c> and <c>/api/disks/{id}/chain</c> over many disks written
/// straight into the database, on SQLite and on PostgreSQL, against their SELECTs (<see cref="EngineListBench"/>);</item>
/// <item>failover: kill -9 of the SPM's agent to the engine's next SPM serving, against host_dead (<see cref="EngineFailoverBench"/>).</item>
/// </list>
/// The reconciliation and the job part (with the job timings it had before: <see cref="FixedPoll"/>)
/// run on an engine on SQLite; the job part again and the SQLite reads on that engine started
/// again with today's timings; the PostgreSQL reads and the failover on a third engine, on a throwaway PostgreSQL server (<see cref="BenchPostgres"/>), which adopts
/// the pool as it finds it. Ctrl-C stops after the step under way; disposing stops the engine,
/// the server, the agents and detaches the loop devices. Needs root, lvm2, qemu-utils and
/// PostgreSQL. Prints Markdown and writes it to bench/results/engine.md.
/// </summary>
internal static class EngineSuite
{
    public static readonly IReadOnlyList<string> Parts = ["reconcile", "jobs", "lists", "failover"];

    /// <summary>Each disk the list part writes into the database: a base and four snapshots.</summary>
    public const int VolumesPerDisk = 5;

    private const int Hosts = 3;

    private const int Io = 1;

    /// <summary>As the engine's tests: host_dead = 8 io + 8 = 16 s, so a failover run takes half a minute, not ninety seconds.</summary>
    private const int WatchdogFireTimeout = 8;

    /// <summary>The host id the library writes the reconciled domain's volumes as, before the agents start: none of the pool's.</summary>
    private const int BenchHostId = 100;

    /// <summary>The engine's job timings before the bench: no quick looks at a young task.</summary>
    private static readonly JobTimings FixedPoll = new() { QuickPollFor = TimeSpan.Zero };

    private static string LogRoot => Path.Combine("/tmp", $"sanpool-bench-logs-{Environment.ProcessId}", "engine");

    public static Task RunAsync(BenchOptions options, string root, string work) =>
        CtrlC.RunAsync("step", stop => RunAsync(options, root, work, stop));

    private static async Task RunAsync(BenchOptions options, string root, string work, CancellationToken stop)
    {
        string cli = await Checkout.SanpoolBinaryAsync(root);
        var parts = options.EngineParts;
        bool reconcile = parts.Contains("reconcile") && options.EngineVolumes > 0;
        var results = new EngineResults { Setup = await SetupAsync(options) };
        try
        {
            await using var pool = await CreatePoolAsync(options, cli, Path.Combine(work, "pool"), stop);
            using var keep = new KeptLogs(pool, LogRoot);
            TimeSpan build = TimeSpan.Zero;
            if (reconcile)
            {
                var domain = BenchDomain.Borrow(pool.Devices[1], pool.Domains[1], Path.Combine(work, "fleet-run"), Io, BenchHostId);
                Console.Error.WriteLine($"engine: making {options.EngineVolumes} volumes on domain {pool.Domains[1]} through the library ...");
                build = await VolumeFleet.BuildAsync(domain, options.EngineVolumes, stop);
            }

            pool.StartAll();
            await WaitConnectedAsync(pool, stop);
            string sqlite = Path.Combine(work, "sqlite", "engine.db");
            if (reconcile || parts.Contains("jobs"))
            {
                // The engine as it was before the bench: every look at a job's task PollInterval apart.
                await using var before = await StartEngineAsync(pool, EngineDatabase.OpenSqlite(sqlite), Path.Combine(work, "sqlite"), FixedPoll, stop);
                if (reconcile)
                {
                    var (rows, disks, disagreeing, volumes) = await new EngineReconcileBench(pool, before, options.EngineRounds, stop).RunAsync(pool.Domains[1]);
                    results.Reconcile = [new EngineRow(rows[0], rows[3]), new EngineRow(rows[1], rows[3]), new EngineRow(rows[2], rows[3]), new EngineRow(rows[3], null)];
                    results.Domain = (volumes, disks, disks - disagreeing, build);
                }

                if (parts.Contains("jobs"))
                {
                    var rows = await new EngineJobBench(pool, before, options.EngineRounds, "fixed", stop).RunAsync(pool.Master);
                    results.Jobs = [new EngineRow(rows[0], rows[2]), new EngineRow(rows[1], rows[2]), new EngineRow(rows[2], null)];
                }
            }

            await using (var engine = await StartEngineAsync(pool, EngineDatabase.OpenSqlite(sqlite), Path.Combine(work, "sqlite"), new JobTimings(), stop))
            {
                if (parts.Contains("jobs"))
                {
                    var rows = await new EngineJobBench(pool, engine, options.EngineRounds, "quick", stop).RunAsync(pool.Master);
                    results.Jobs = [.. results.Jobs ?? [], new EngineRow(rows[0], rows[2]), new EngineRow(rows[1], rows[2]), new EngineRow(rows[2], null)];
                }

                if (parts.Contains("lists"))
                {
                    results.Lists.Add(await ListsAsync(options, pool, engine, $"SQLite {await SqliteVersionAsync(engine.Db, stop)}", stop));
                }

                if (parts.Contains("failover") && !parts.Contains("lists"))
                {
                    results.FailoverDatabase = "SQLite";
                    results.Failovers.AddRange(await new EngineFailoverBench(pool, engine, stop).RunAsync(options.EngineFailovers, pool.Domains[1]));
                }
            }

            if (parts.Contains("lists"))
            {
                await using var postgres = await BenchPostgres.StartAsync(Path.Combine(work, "postgres"), stop);
                await using var engine = await StartEngineAsync(pool, EngineDatabase.OpenPostgres(postgres.ConnectionString), Path.Combine(work, "pg-engine"), new JobTimings(), stop);
                results.Lists.Add(await ListsAsync(options, pool, engine, $"PostgreSQL {postgres.Version}", stop));
                if (parts.Contains("failover"))
                {
                    results.FailoverDatabase = $"PostgreSQL {postgres.Version}";
                    results.Failovers.AddRange(await new EngineFailoverBench(pool, engine, stop).RunAsync(options.EngineFailovers, pool.Domains[1]));
                }
            }
        }
        finally
        {
            results.LoadAfter = await LoadAsync();
            string table = EngineReport.Format(options, results);
            Console.WriteLine(table);
            string output = options.EngineOut ?? Path.Combine(root, "bench", "results", "engine.md");
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            await File.WriteAllTextAsync(output, table, CancellationToken.None); // what ran is written even after a failure or Ctrl-C
            Console.Error.WriteLine($"written to {output}");
        }
    }

    private static async Task<EngineListResults> ListsAsync(BenchOptions options, LocalPool pool, BenchEngine engine, string database, CancellationToken stop)
    {
        // On the master domain, which holds no volume: the chain's domain.volumes reads little and finds none of these.
        Console.Error.WriteLine($"engine lists on {database}: writing {options.Disks} disks of {VolumesPerDisk} volumes into the database ...");
        var (disks, fill) = await DiskFiller.FillAsync(engine.Db, pool.Master, options.Disks, VolumesPerDisk, stop);
        var (totalDisks, totalVolumes) = await engine.Db.ReadAsync(
            async s => (await s.ScalarAsync<long>("SELECT COUNT(*) FROM base_disks", null, stop), await s.ScalarAsync<long>("SELECT COUNT(*) FROM images", null, stop)),
            stop);
        var rows = await new EngineListBench(pool, engine, options.EngineRounds, stop).RunAsync(database, disks, pool.Master);
        return new EngineListResults(database, (int)totalDisks, (int)totalVolumes, fill,
            [
                new EngineRow(rows[0], rows[1]), new EngineRow(rows[2], rows[1]), new EngineRow(rows[1], null),
                new EngineRow(rows[3], rows[4]), new EngineRow(rows[4], null), new EngineRow(rows[3], rows[5]), new EngineRow(rows[5], null),
            ]);
    }

    private static async Task<LocalPool> CreatePoolAsync(BenchOptions options, string cli, string dir, CancellationToken stop)
    {
        // The data domain: the reconciled volumes, the job part's two chains, a disk per failover.
        long extents = (2L * (options.EngineRounds + 4)) + options.EngineFailovers + 32;
        long lunSize = Math.Max(8L << 30, options.EngineVolumes > 0 ? VolumeFleet.LunSize(options.EngineVolumes) : 0) + (extents * BlockDomainLayout.ExtentSize);
        Console.Error.WriteLine($"engine: a pool of {Hosts} hosts on 2 block domains (data domain {lunSize >> 30} GiB, sparse) ...");
        return await LocalPool.CreateAsync(new LocalPoolOptions
        {
            WorkDir = dir,
            Command = [cli],
            Hosts = Hosts,
            Domains = 2,
            IoTimeout = Io,
            WatchdogFireTimeout = WatchdogFireTimeout,
            Election = false,
            LunSize = lunSize,
        }, NullLogger.Instance, stop);
    }

    /// <summary>Starts an engine on <paramref name="db"/>, adds every host, and waits until it shows them Up and one SPM.</summary>
    private static async Task<BenchEngine> StartEngineAsync(LocalPool pool, EngineDatabase db, string dataDir, JobTimings timings, CancellationToken stop)
    {
        Directory.CreateDirectory(dataDir);
        var engine = await BenchEngine.StartAsync(db, dataDir, timings, stop);
        try
        {
            // An engine started again on its database knows the hosts already.
            if ((await engine.GetAsync("/api/hosts?max=100", stop))["items"]!.AsArray().Count == 0)
            {
                foreach (int host in pool.HostIds)
                {
                    await engine.AddHostAsync(pool.SocketOf(host), 5, stop);
                }
            }

            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (await engine.SpmHostIdAsync(stop) is null || (await engine.UpHostIdsAsync(stop)).Count < Hosts)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"engine on {db.Description}: no SPM or not every host Up within 3 minutes");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }

            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every agent connected to the pool and seeing all its domains.</summary>
    private static async Task WaitConnectedAsync(LocalPool pool, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        foreach (int host in pool.HostIds)
        {
            using var client = pool.Client(host);
            while (true)
            {
                StatusReply? status = null;
                try
                {
                    status = await client.CallAsync(AgentVerbs.Status, new StatusRequest(), stop);
                }
                catch (Exception e) when (e is Core.SanpoolException or HttpRequestException or IOException)
                {
                    // Not listening yet.
                }

                if (status is { Connected: true, SeesAll: true })
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"host {host} did not connect to pool {pool.Pool} within 2 minutes; see {pool.LogOf(host)}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), stop);
            }
        }
    }

    private static Task<string> SqliteVersionAsync(EngineDatabase db, CancellationToken stop) =>
        db.ReadAsync(async s => await s.ScalarAsync<string>("SELECT sqlite_version()", null, stop) ?? "?", stop);

    private static async Task<string> SetupAsync(BenchOptions options)
    {
        string lvm = (await ExternalTool.RunAsync(["lvm", "version"], TimeSpan.FromSeconds(30), CancellationToken.None)).Stdout.Split('\n')[0];
        string load = await LoadAsync();
        return string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs; {Environment.OSVersion}; {lvm.Trim()}; load at the start: {load}. " +
            $"One pool: {Hosts} hosts (one `sanpool agent run` process each, their own election off, SPM priority 5 for all) on this machine, 2 block domains " +
            $"(VDSM v5 layout, 128 MiB extents, 512-byte sectors, io_timeout {Io} s, host_dead {(8 * Io) + WatchdogFireTimeout} s) on loop devices over sparse files. " +
            $"The engine in the bench's process on Kestrel (plain HTTP on 127.0.0.1, a bearer token), its host monitor polling every 1 s; clients through HttpClient over loopback TCP. " +
            $"{options.EngineRounds} rounds per measure after one warm-up.");
    }

    /// <summary>/proc/loadavg's three load averages.</summary>
    private static async Task<string> LoadAsync() =>
        string.Join(' ', (await File.ReadAllTextAsync("/proc/loadavg", CancellationToken.None)).Split(' ')[..3]);
}
