using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The engine suite's results as Markdown: the setup, one table per part, notes.</summary>
internal static class EngineReport
{
    public static string Format(BenchOptions options, EngineResults r)
    {
        var md = new StringBuilder();
        void Line(FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');
        void Rows(IEnumerable<EngineRow> rows)
        {
            Line($"| path | rounds | median ms | p90 ms | min ms | max ms | median / anchor | p90 / anchor |");
            Line($"|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (s, a) in rows)
            {
                string median = a is null ? "anchor" : (s.Median / a.Median).ToString("0.00", CultureInfo.InvariantCulture);
                string p90 = a is null ? "" : (s.P90 / a.P90).ToString("0.00", CultureInfo.InvariantCulture);
                Line($"| {s.Name} | {s.Rounds} | {s.Median:0.0} | {s.P90:0.0} | {s.Min:0.0} | {s.Max:0.0} | {median} | {p90} |");
            }

            Line($"");
        }

        Line($"# Sanpool engine benchmark");
        Line($"");
        Line($"{r.Setup} Load at the end: {r.LoadAfter}.");
        Line($"");
        if (r.Jobs is { } jobs)
        {
            Line($"## A job's overhead: a VM snapshot through the engine against `snapshot.create` on the SPM's agent alone (goal: at most 1.2 x)");
            Line($"");
            Line($"{options.EngineRounds} rounds each after one warm-up, alternating; each path's disk gains one volume a round. Anchor: the agent alone.");
            Line($"");
            Rows(jobs);
        }

        foreach (var l in r.Lists)
        {
            Line($"## Reads on {l.Database}: {l.Disks} disks, {l.Volumes} volumes in the database");
            Line($"");
            Line($"{options.Disks} disks of {EngineSuite.VolumesPerDisk} volumes written through the engine's store in {l.Fill.TotalSeconds:0.0} s (the rest: the pool's own disks). {options.EngineRounds} rounds each after one warm-up, engine and anchor alternating. Anchor: the next row marked anchor.");
            Line($"");
            Rows(l.Rows);
        }

        if (r.Reconcile is { } reconcile && r.Domain is { } d)
        {
            Line($"## Reconciliation of a domain of {d.Volumes} volumes ({d.Disks} disks in the engine, {d.Agreeing} of their chains agreeing)");
            Line($"");
            Line($"Built through the library ({VolumeFleet.Images(d.Volumes)} images: a 1 GiB RAW base and up to {VolumeFleet.SnapshotsPerImage} qcow2 snapshots each) in {d.Build.TotalSeconds:0} s before the agents started, imported by the engine when the hosts were added.");
            Line($"");
            Rows(reconcile);
        }

        if (r.Failovers.Count > 0)
        {
            int hostDead = r.Failovers[0].HostDead;
            Line($"## Failover detection: kill -9 of the SPM's agent to the engine's next SPM serving ({r.FailoverDatabase}; seconds from the killed host's last renewal in the master lockspace)");
            Line($"");
            Line($"| run | SPM killed | new SPM | kill at | engine shows new SPM | disk create through the engine finished | kill -> finished | host_dead s | finished / host_dead | excess s | refused POSTs |");
            Line($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var f in r.Failovers)
            {
                Line($"| {f.Run} | host {f.Victim} | host {f.Winner} | {f.RenewalBeforeKill:0.0} | {f.EngineSpm:0.0} | {f.Served:0.0} | {f.FromKill:0.0} | {hostDead} | {f.Ratio:0.00} | {f.Excess:0.0} | {f.Refusals} |");
            }

            Line($"");
        }

        Line($"Notes:");
        Line($"");
        foreach (string note in Notes(r))
        {
            Line($"- {note}");
        }

        return md.ToString();
    }

    private static IEnumerable<string> Notes(EngineResults r)
    {
        if (r.Jobs is not null)
        {
            yield return $"Job: the engine's figure is what its client sees: the POST (the VM and its disk's rows locked, the new leaf's row written, one transaction, then the job launched), " +
                         $"the job submitting `snapshot.create` to the SPM, polling `task.status` every {new Sanpool.Engine.Jobs.JobTimings().PollInterval.TotalMilliseconds:0} ms (JobTimings.PollInterval) until the task ends, " +
                         $"reading the disk's chain back from the storage (`domain.volumes`), settling the rows and events, and the client's own GET /api/jobs/{{id}} every {EngineJobBench.Poll.TotalMilliseconds:0} ms. " +
                         $"The agent's figure polls `task.status` every {EngineJobBench.Poll.TotalMilliseconds:0} ms itself.";
        }

        if (r.Lists.Count > 0)
        {
            yield return "Reads: the direct anchors run through the engine's own session and row mapping (Dapper on a pooled connection): what the endpoints cost beyond their SQL is HTTP, " +
                         "login, the DTOs and JSON, and however many queries they make. The chain's engine figure also reads the storage (`domain.volumes` of the disk's domain through any Up host) " +
                         "and the running job of the disk, so it has two anchors: its SELECT alone, and its SELECT plus one `domain.volumes` straight to an agent.";
        }

        if (r.Reconcile is not null)
        {
            yield return "Reconciliation: `domain.volumes` is one pass over the domain's LVs, metadata slots and qcow2 headers; the domain's read is that pass through any Up host, " +
                         "one SQL query for the domain's rows and the comparison. Each `GET /api/disks/{id}/chain` makes one such pass over the whole domain for its one disk, " +
                         "so the sweep a client had to make before costs about (disks + 1) of them. The engine's own periodic reconciliation is off in the bench (reconcile_interval_seconds 0).";
        }

        if (r.Failovers.Count > 0)
        {
            yield return "Failover: the agents' own election is off (the engine picks the SPM). The engine sees the SPM gone at its next poll (every 1 s), and starts the SPM on a survivor; " +
                         "that spm.start waits in the SDM lease until host_dead after the last renewal. /api/hosts is read every 0.2 s; once it shows the new SPM, POST /api/disks is " +
                         "sent (again every 0.2 s while refused) and its job polled every 20 ms.";
        }

        yield return "The machine is shared (2 CPUs, other workers' builds and tests): the load averages above are /proc/loadavg's at the start and the end.";
    }
}
