using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// SPM failover on a <see cref="LocalPool"/>: the agents elect an SPM; after the pool has
/// settled, the SPM's agent gets kill -9 and the survivors are polled until one says SPM; it is
/// given an image.create at once, and the failover ends when that task is finished. The time
/// is measured from the killed host's last renewal of its host id in the master lockspace
/// (a <see cref="RenewalWatch"/> on the master's "ids" area), against host_dead = 8 io + 60,
/// before which no survivor may take the SDM lease. The killed host is restarted between runs
/// (same host id and name), and the next run kills whichever host is SPM then.
/// </summary>
internal sealed class FailoverBench(LocalPool pool, CancellationToken stop)
{
    /// <summary>spm.status on a host that is not SPM runs a vgs; looking slowly until near host_dead keeps the two CPUs for the leases.</summary>
    private static readonly TimeSpan SlowPoll = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan FastPoll = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan TaskPoll = TimeSpan.FromMilliseconds(20);

    private int Io => pool.Options.IoTimeout;

    private int HostDead => (8 * Io) + 60;

    /// <summary>Long enough for every survivor to have seen the SPM's host id renew (every 2 io) more than once.</summary>
    public TimeSpan Settle => TimeSpan.FromSeconds(Math.Max(10, 6 * Io));

    private TimeSpan JoinTimeout => TimeSpan.FromSeconds(120 + (20 * Io));

    private static TimeSpan Now => MonotonicClock.System.Now;

    public async Task<IReadOnlyList<FailoverResult>> RunAsync(int runs, Guid domain)
    {
        var results = new List<FailoverResult>();
        await using var master = await new DomainLocator([], pool.Devices).OpenAsync(pool.Master, new QemuImg(), Path.Combine(pool.Options.WorkDir, "bench-watch"), stop);
        for (int run = 1; run <= runs; run++)
        {
            await WaitConnectedAsync();
            int victim = await pool.WaitForSpmAsync(JoinTimeout, null, stop);
            await using (var watch = RenewalWatch.Start(master, victim))
            {
                Console.Error.WriteLine($"failover io_timeout {Io}, run {run}/{runs}: host {victim} is SPM; settling {Settle.TotalSeconds:0} s, then kill -9 ...");
                await Task.Delay(Settle, stop);
                if (watch.Renewals < 2)
                {
                    throw new InvalidOperationException($"host {victim}'s host id did not renew in the master lockspace within {Settle.TotalSeconds:0} s");
                }

                if (await pool.WaitForSpmAsync(JoinTimeout, null, stop) != victim)
                {
                    throw new InvalidOperationException($"host {victim} stopped being SPM while the pool settled");
                }

                var (kill, killClock) = (Now, DateTime.Now);
                await pool.CrashAsync(victim, stop);
                var renewal = watch.LastRenewal;
                var result = await TakeOverAsync(run, victim, kill, renewal, domain);
                double killed = result.RenewalBeforeKill;
                result = result with
                {
                    MasterWriter = await LoggedAsync(result.Winner, $"domain {pool.Master}: writer open as host {result.Winner} ", killClock) + killed,
                    DataWriter = await LoggedAsync(result.Winner, $"domain {domain}: writer open as host {result.Winner} ", killClock) + killed,
                };
                results.Add(result);
                Console.Error.WriteLine($"failover io_timeout {Io}, run {run}/{runs}: host {result.Winner} served image.create {result.Served:0.0} s after host {victim}'s last renewal " +
                                        $"({result.Ratio:0.000} x host_dead {HostDead} s)");
            }

            if (run < runs)
            {
                pool.Start(victim);
            }
        }

        return results;
    }

    /// <summary>Polls the survivors until one says SPM, then has it run an image.create to the end.</summary>
    private async Task<FailoverResult> TakeOverAsync(int run, int victim, TimeSpan kill, TimeSpan renewal, Guid domain)
    {
        TimeSpan? contend = null;
        var fastFrom = kill + TimeSpan.FromSeconds(HostDead - (2 * Io) - 5);
        var deadline = kill + TimeSpan.FromSeconds(HostDead + 120 + (10 * Io));
        while (true)
        {
            var states = await pool.SpmStatesAsync(stop);
            var seen = Now;
            contend ??= states.Values.Contains("Contend") ? seen : null;
            var spms = states.Where(s => s.Value == "SPM").Select(s => s.Key).ToList();
            if (spms.Count > 1)
            {
                throw new InvalidOperationException($"pool {pool.Pool}: hosts {string.Join(" and ", spms)} both say they are SPM after host {victim} was killed");
            }

            if (spms.Count == 1)
            {
                var refusals = await CreateImageAsync(spms[0], domain);
                double From(TimeSpan t) => (t - renewal).TotalSeconds;
                return new FailoverResult(Io, run, victim, spms[0], From(kill), contend is { } c ? From(c) : null, From(seen), From(Now), AgentTasks.Summary(refusals));
            }

            if (seen > deadline)
            {
                throw new TimeoutException($"pool {pool.Pool}: no SPM {(seen - kill).TotalSeconds:0} s after host {victim} was killed; states: " +
                                           string.Join(", ", states.Select(s => $"host{s.Key}={s.Value ?? "no answer"}")));
            }

            await Task.Delay(seen < fastFrom ? SlowPoll : FastPoll, stop);
        }
    }

    /// <summary>
    /// A structural verb on the new SPM: a 1 GiB qcow2 image, submitted again every 20 ms while
    /// refused, then polled every 20 ms until its task is finished. Returns the refusals.
    /// </summary>
    private async Task<IReadOnlyList<string>> CreateImageAsync(int spm, Guid domain)
    {
        using var client = pool.Client(spm);
        var args = new Dictionary<string, string> { ["domain"] = domain.ToString(), ["size"] = "1073741824", ["format"] = "cow" };
        var (task, refusals) = await AgentTasks.SubmitAsync(client, "image.create", args, TaskPoll, TimeSpan.FromSeconds(60), stop);
        await AgentTasks.WaitAsync(client, task, TaskPoll, stop);
        return refusals;
    }

    /// <summary>
    /// Seconds from <paramref name="since"/> to the first line of a host's agent log after it
    /// that contains <paramref name="text"/> (the log's time of day, local, to the millisecond), or null.
    /// </summary>
    private async Task<double?> LoggedAsync(int host, string text, DateTime since)
    {
        foreach (string line in await File.ReadAllLinesAsync(pool.LogOf(host), stop))
        {
            if (line.Length < 12 || !line.Contains(text, StringComparison.Ordinal)
                || !TimeOnly.TryParseExact(line[..12], "HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at))
            {
                continue;
            }

            double seconds = (at.ToTimeSpan() - since.TimeOfDay).TotalSeconds;
            seconds += seconds < -43200 ? 86400 : 0;
            if (seconds >= 0)
            {
                return seconds;
            }
        }

        return null;
    }

    /// <summary>Every running agent connected to the pool, its host id lease valid.</summary>
    private async Task WaitConnectedAsync()
    {
        var until = Now + JoinTimeout;
        foreach (int host in pool.Running)
        {
            while (true)
            {
                JsonNode? status = null;
                try
                {
                    status = await pool.InvokeAsync(host, "status", null, stop);
                }
                catch (Exception e) when (e is Core.SanpoolException or HttpRequestException or IOException)
                {
                }

                if (status?["connected"]?.GetValue<bool>() == true && status["lease_valid"]?.GetValue<bool>() == true)
                {
                    break;
                }

                if (Now > until)
                {
                    throw new TimeoutException($"pool {pool.Pool}: host {host} did not connect within {JoinTimeout.TotalSeconds:0} s; see {pool.LogOf(host)}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
        }
    }
}
