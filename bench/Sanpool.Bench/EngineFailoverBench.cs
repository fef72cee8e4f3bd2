using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// Failover detection through the engine: the agents run without their own election (the
/// engine picks and starts the SPM). After the pool has settled, the SPM's agent gets kill -9;
/// the engine's <c>/api/hosts</c> is read every <see cref="Poll"/> until it shows another host
/// Up and SPM, and then a disk is created through the engine (POST /api/disks, submitted again
/// while refused; its job polled until finished): the SPM serving. Timed from the killed host's
/// last renewal in the master lockspace (<see cref="RenewalWatch"/>), against host_dead, before
/// which no host may take the SDM lease. The killed host is started again between runs.
/// </summary>
internal sealed class EngineFailoverBench(LocalPool pool, BenchEngine engine, CancellationToken stop)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private static TimeSpan Now => MonotonicClock.System.Now;

    private int HostDead => (int)pool.Options.HostDead.TotalSeconds;

    public async Task<IReadOnlyList<EngineFailoverResult>> RunAsync(int runs, Guid domain)
    {
        var results = new List<EngineFailoverResult>();
        await using var master = await new DomainLocator([], pool.Devices).OpenAsync(pool.Master, new QemuImg(), Path.Combine(pool.Options.WorkDir, "bench-watch"), stop);
        for (int run = 1; run <= runs; run++)
        {
            int victim = await WaitSettledAsync();
            await using var watch = RenewalWatch.Start(master, victim);
            Console.Error.WriteLine($"engine failover run {run}/{runs}: host {victim} is SPM; settling {Settle.TotalSeconds:0} s, then kill -9 ...");
            await Task.Delay(Settle, stop);
            if (watch.Renewals < 2)
            {
                throw new InvalidOperationException($"host {victim}'s host id did not renew in the master lockspace within {Settle.TotalSeconds:0} s");
            }

            var kill = Now;
            await pool.CrashAsync(victim, stop);
            var renewal = watch.LastRenewal;
            double From(TimeSpan t) => (t - renewal).TotalSeconds;
            var deadline = kill + TimeSpan.FromSeconds(HostDead + 180);
            int? winner;
            while ((winner = await engine.SpmHostIdAsync(stop, except: victim)) is null)
            {
                if (Now > deadline)
                {
                    throw new TimeoutException($"the engine shows no SPM {(Now - kill).TotalSeconds:0} s after host {victim} was killed");
                }

                await Task.Delay(Poll, stop);
            }

            var engineSpm = Now;
            var refusals = await CreateDiskAsync(domain, run);
            var result = new EngineFailoverResult(run, victim, winner.Value, HostDead, From(kill), From(engineSpm), From(Now), AgentTasks.Summary(refusals));
            results.Add(result);
            Console.Error.WriteLine($"engine failover run {run}/{runs}: the engine shows host {winner} SPM {result.EngineSpm:0.0} s and served a disk create {result.Served:0.0} s " +
                                    $"after host {victim}'s last renewal ({result.Ratio:0.000} x host_dead {HostDead} s)");
            if (run < runs)
            {
                pool.Start(victim);
            }
        }

        return results;
    }

    /// <summary>Every running host Up in the engine and one of them its SPM; returns the SPM's host id.</summary>
    private async Task<int> WaitSettledAsync()
    {
        var deadline = Now + TimeSpan.FromSeconds(180);
        while (true)
        {
            var up = await engine.UpHostIdsAsync(stop);
            if (await engine.SpmHostIdAsync(stop) is { } spm && pool.Running.All(up.Contains) && (await pool.SpmStatesAsync(stop)).GetValueOrDefault(spm) == "SPM")
            {
                return spm;
            }

            if (Now > deadline)
            {
                throw new TimeoutException($"the engine did not show every running host ({string.Join(", ", pool.Running)}) Up with an SPM within 180 s (Up: {string.Join(", ", up)})");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
        }
    }

    /// <summary>A 1 GiB qcow2 disk through the engine, POSTed again every <see cref="Poll"/> while refused, its job polled to the end. Returns the refusals' codes.</summary>
    private async Task<IReadOnlyList<string>> CreateDiskAsync(Guid domain, int run)
    {
        var refusals = new List<string>();
        var body = new { alias = $"failover-{run}", provisioned_size = 1L << 30, format = "cow", storage_domain = new { id = domain } };
        while (true)
        {
            using var response = await engine.Http.PostAsJsonAsync("/api/disks", body, stop);
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(stop))!;
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                await engine.WaitJobAsync((string)answer["job"]!["id"]!, EngineJobBench.Poll, stop);
                return refusals;
            }

            refusals.Add((string?)answer["error"] ?? $"HTTP {(int)response.StatusCode}");
            if (refusals.Count > 600)
            {
                throw new InvalidOperationException($"POST /api/disks still refused after {refusals.Count} tries: {answer.ToJsonString()}");
            }

            await Task.Delay(Poll, stop);
        }
    }
}
