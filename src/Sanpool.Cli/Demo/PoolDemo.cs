using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sanpool.Agent;
using Sanpool.Harness.LocalPools;
using Sanpool.Cli.Commands;
using Sanpool.Core;
using Sanpool.Leases;

namespace Sanpool.Cli.Demo;

/// <summary>
/// The main job (<c>sanpool demo</c>, what ./run.sh runs): a pool of several hosts on this
/// machine — block domains on loop-device LUNs, one agent process per host — elects an SPM,
/// which creates a disk and snapshots it; then the pool's status from every host, the volume
/// chains read straight from the LUN, and a non-SPM host refusing a structural verb. It waits
/// for Ctrl-C (or, with --crash, first kills the SPM and shows another host take over), and
/// always stops the agents and detaches its loop devices, whenever it is interrupted.
/// </summary>
internal sealed class PoolDemo(PoolDemoOptions options)
{
    private readonly DemoConsole _out = new();

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine($"Sanpool pool demo: {options.Hosts} hosts, {options.Domains} block domain(s), io_timeout {options.IoTimeout} s, " +
            $"a disk with {options.Snapshots} snapshot(s)");
        foreach (string line in await DemoWorkDir.CleanStaleAsync(options.WorkDir, cancellationToken))
        {
            _out.Step($"a previous run's leftovers: {line}");
        }

        string run = DemoWorkDir.Create(options.WorkDir);
        _out.Step($"work dir {run}");
        using var logs = StorageOptions.Logs();
        LocalPool? pool = null;
        try
        {
            pool = await CreatePoolAsync(run, logs.CreateLogger("sanpool.demo"), cancellationToken);
            await ShowAsync(pool, cancellationToken);
            if (options.Wait)
            {
                await WaitForCtrlCAsync(pool, cancellationToken);
            }

            return 0;
        }
        catch (Exception) when (pool is not null && !cancellationToken.IsCancellationRequested)
        {
            await PrintLogTailsAsync(pool);
            throw;
        }
        finally
        {
            await CleanUpAsync(pool, run, cancellationToken.IsCancellationRequested);
        }
    }

    private async Task<LocalPool> CreatePoolAsync(string run, ILogger logger, CancellationToken cancellationToken)
    {
        _out.Step($"creating {options.Domains} LUN(s) (sparse 8 GiB files on loop devices), a VDSM v5 block domain on each " +
            "(a VG with the special LVs: metadata, ids, leases, inbox, outbox, master; the leases formatted as sanlock does), and a pool over them");
        var pool = await LocalPool.CreateAsync(new LocalPoolOptions
        {
            WorkDir = run,
            Command = [Environment.ProcessPath ?? throw new InvalidOperationException("no path to this sanpool executable")],
            Hosts = options.Hosts,
            Domains = options.Domains,
            IoTimeout = options.IoTimeout,
            // A small chunk, so the demo's few hundred MiB take several extensions.
            Thin = new ThinConfig { ChunkMib = 256 },
        }, logger, cancellationToken);
        for (int i = 0; i < pool.Domains.Count; i++)
        {
            _out.Step($"  {(i == 0 ? "master" : "data  ")} domain {pool.Domains[i]} on {pool.Devices[i]}");
        }

        _out.Step($"  pool {pool.Pool}");
        return pool;
    }

    private async Task ShowAsync(LocalPool pool, CancellationToken cancellationToken)
    {
        pool.StartAll();
        _out.Step($"started {options.Hosts} agents (sanpool agent run), one process per host: " +
            string.Join(", ", pool.HostIds.Select(h => $"host{h} pid {pool.Pid(h)}")));
        _out.Step($"waiting for an SPM: each agent joins the master lockspace (a host id is held only after a " +
            $"2 x io_timeout = {2 * options.IoTimeout} s wait without a rival), then, as the pool names no live SPM, contends for the " +
            "SDM lease after a short delay set by its priority; the paxos lease lets exactly one win");
        var started = Stopwatch.StartNew();
        int spm = await WaitForSpmAsync(pool, pool.HostIds.ToHashSet(), started, TimeSpan.FromSeconds(120 + 10 * options.IoTimeout), cancellationToken);
        long lver = await LverAsync(pool, spm, cancellationToken);
        _out.Step($"host{spm} is SPM (SDM lease version {lver}), {DemoConsole.Seconds(started.Elapsed)} after the agents started");

        var disk = new DemoDisk(pool, _out);
        var domain = pool.Domains[^1];
        var image = await disk.CreateAsync(spm, domain, options.Snapshots, cancellationToken);
        await disk.ShowRefusalAsync(spm, domain, image, cancellationToken);

        await PoolReport.PrintStatusAsync(pool, cancellationToken);
        await PoolReport.PrintChainsAsync(pool, domain, image, 1 + options.Snapshots, cancellationToken);
        if (options.Hosts > 1)
        {
            await new DemoThin(pool, _out).RunAsync(spm, domain, image, cancellationToken);
        }

        if (options.Crash)
        {
            await CrashAsync(pool, spm, domain, image, cancellationToken);
        }
    }

    /// <summary>kill -9 of the SPM's agent; another host may take the SDM lease only once the SPM's host id has been silent for host_dead.</summary>
    private async Task CrashAsync(LocalPool pool, int spm, Guid domain, Guid image, CancellationToken cancellationToken)
    {
        var hostDead = new LeaseTimeouts(options.IoTimeout).HostDead;
        DemoConsole.Section($"Crash: kill -9 of the SPM, host{spm}");
        int pid = pool.Pid(spm);
        await pool.CrashAsync(spm, cancellationToken);
        var crashed = Stopwatch.StartNew();
        _out.Step($"killed host{spm}'s agent (pid {pid}) with SIGKILL: its host id and SDM lease are no longer renewed, but no one may take them " +
            $"until host{spm} has been silent for host_dead = 8 x io_timeout + 60 = {hostDead.TotalSeconds:0} s, as it might only be slow");
        var others = pool.Running.ToHashSet();
        int next = await WaitForSpmAsync(pool, others, crashed, hostDead + TimeSpan.FromSeconds(90), cancellationToken);
        var after = crashed.Elapsed;
        long lver = await LverAsync(pool, next, cancellationToken);
        _out.Step($"host{next} took over as SPM (SDM lease version {lver}) {DemoConsole.Seconds(after)} after the crash; the bound is host_dead = " +
            $"{hostDead.TotalSeconds:0} s after host{spm}'s last renewal (renewals come every {2 * options.IoTimeout} s): " +
            $"{after / hostDead:0.000} x host_dead from the crash");
        var disk = new DemoDisk(pool, _out);
        _out.Step($"the new SPM recovered what host{spm} may have left half done; one more snapshot through it:");
        await disk.SnapshotAsync(next, domain, image, cancellationToken);
        await PoolReport.PrintStatusAsync(pool, cancellationToken);
        await PoolReport.PrintChainsAsync(pool, domain, image, 2 + options.Snapshots, cancellationToken);
    }

    /// <summary>Polls spm.status on every running host until one of <paramref name="among"/> says SPM; progress every 10 s; two SPMs at once is a failure.</summary>
    private async Task<int> WaitForSpmAsync(LocalPool pool, HashSet<int> among, Stopwatch since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var report = TimeSpan.FromSeconds(10);
        while (true)
        {
            var states = await pool.SpmStatesAsync(cancellationToken);
            var spms = states.Where(s => s.Value == "SPM").Select(s => s.Key).ToList();
            if (spms.Count > 1)
            {
                throw new SanpoolException(DemoErrors.CheckFailed, $"pool {pool.Pool}: hosts {string.Join(" and ", spms)} both say they are SPM");
            }

            if (spms.Count == 1 && among.Contains(spms[0]))
            {
                return spms[0];
            }

            string now = string.Join(", ", states.Select(s => $"host{s.Key} {s.Value ?? "not answering yet"}"));
            if (since.Elapsed > timeout)
            {
                throw new SanpoolException(DemoErrors.NoSpm, $"pool {pool.Pool}: no SPM within {timeout.TotalSeconds:0} s ({now}); see the agents' logs under {pool.Options.WorkDir}");
            }

            if (since.Elapsed >= report)
            {
                _out.Step($"  {since.Elapsed.TotalSeconds:0} s: {now}");
                report += TimeSpan.FromSeconds(10);
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task<long> LverAsync(LocalPool pool, int host, CancellationToken cancellationToken) =>
        (long)(await pool.InvokeAsync(host, "spm.status", null, cancellationToken))["lver"]!;

    private static async Task WaitForCtrlCAsync(LocalPool pool, CancellationToken cancellationToken)
    {
        DemoConsole.Section("The pool keeps running until Ctrl-C");
        DemoConsole.Table(["host", "pid", "API socket", "log"],
            pool.Running.Select(h => (IReadOnlyList<string>)[$"host{h}", $"{pool.Pid(h)}", pool.SocketOf(h), pool.LogOf(h)]));
        Console.WriteLine();
        Console.WriteLine("Talk to an agent, for example:");
        Console.WriteLine($"  curl -s --unix-socket {pool.SocketOf(pool.Running.First())} -H 'Content-Type: application/json' -d '{{}}' http://agent/v1/spm.status");
        Console.WriteLine($"  sanpool dump-volume-chains {pool.Domains[^1]} --device {string.Join(',', pool.Devices)}");
        Console.WriteLine("Ctrl-C stops the agents (the SPM gives its role back) and detaches the loop devices.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine();
        }
    }

    /// <summary>When a step fails, the end of every agent's log (on stderr): the agent that failed says why there.</summary>
    private static async Task PrintLogTailsAsync(LocalPool pool)
    {
        foreach (int host in pool.HostIds.Where(h => File.Exists(pool.LogOf(h))))
        {
            var lines = await File.ReadAllLinesAsync(pool.LogOf(host));
            await Console.Error.WriteLineAsync($"----- the last lines of host{host}'s agent log, {pool.LogOf(host)} -----");
            // The API's one line per request would crowd out what matters.
            foreach (string line in lines.Where(l => !l.Contains("info: Sanpool.Agent.Api[", StringComparison.Ordinal)).TakeLast(40))
            {
                await Console.Error.WriteLineAsync(line);
            }
        }
    }

    /// <summary>Stops every agent and detaches every loop device, then checks that none backed by this run's files is left.</summary>
    private async Task CleanUpAsync(LocalPool? pool, string run, bool interrupted)
    {
        DemoConsole.Section(interrupted ? "Interrupted: cleaning up" : "Cleaning up");
        if (pool is not null)
        {
            _out.Step($"stopping {pool.Running.Count()} agent(s) (SIGTERM: the SPM releases its lease) and detaching {string.Join(", ", pool.Devices)}");
            await pool.DisposeAsync();
        }

        var left = DemoWorkDir.LoopsUnder(run);
        if (left.Count > 0)
        {
            _out.Step($"warning: loop device(s) still attached to this run's files: {string.Join(", ", left.Select(l => $"{l.Device} ({l.File})"))}; the next run detaches them");
        }
        else
        {
            _out.Step($"no loop device left backed by a file in {run}; the agents' logs stay there until the next run");
        }
    }
}
