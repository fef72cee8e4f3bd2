using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The pool suite's results as Markdown: the setup, the snapshot table, the failover tables, notes.</summary>
internal static class PoolReport
{
    public static string Format(BenchOptions options, PoolResults r)
    {
        var md = new StringBuilder();
        void Line(FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"# Sanpool pool benchmark");
        Line($"");
        Line($"{r.Setup}");
        Line($"");
        Line($"## Snapshot create on the pool's data domain, io_timeout {r.LatencyIo} ({options.SnapshotRounds} rounds per path after {SnapshotBench.Warmup} warm-up, each followed by one anchor round)");
        Line($"");
        Line($"| path | rounds | median ms | p90 ms | min ms | max ms | median / anchor | p90 / anchor |");
        Line($"|---|---:|---:|---:|---:|---:|---:|---:|");
        var anchor = r.Snapshot[^1];
        foreach (var s in r.Snapshot)
        {
            Line($"| {s.Name} | {s.Rounds} | {s.Median:0.0} | {s.P90:0.0} | {s.Min:0.0} | {s.Max:0.0} | {s.Median / anchor.Median:0.00} | {s.P90 / anchor.P90:0.00} |");
        }

        if (r.Failovers.Count > 0)
        {
            Line($"");
            Line($"## SPM failover after kill -9 of the SPM's agent (seconds from its last renewal of its host id in the master lockspace)");
            Line($"");
            Line($"| io_timeout s | run | SPM killed | new SPM | kill at | first Contend seen | master writer open | data writer open | says SPM | image.create finished | refused submits | kill -> finished | host_dead s | finished / host_dead | excess s |");
            Line($"|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
            foreach (var f in r.Failovers)
            {
                string steps = $"{Seconds(f.Contend)} | {Seconds(f.MasterWriter)} | {Seconds(f.DataWriter)}";
                Line($"| {f.Io} | {f.Run} | host{f.Victim} | host{f.Winner} | {f.RenewalBeforeKill:0.00} | {steps} | {f.Spm:0.0} | {f.Served:0.0} | {f.Refusals} | {f.FromKill:0.0} | {f.HostDead} | {f.Ratio:0.000} | {f.Excess:0.0} |");
            }

            Line($"");
            Line($"| io_timeout s | runs | host_dead s | median last renewal -> served s | median / host_dead | median excess s | excess min .. max s | median SPM -> image.create finished s |");
            Line($"|---:|---:|---:|---:|---:|---:|---|---:|");
            foreach (var g in r.Failovers.GroupBy(f => f.Io))
            {
                var runs = g.ToList();
                double served = Median(runs.Select(f => f.Served));
                double excess = Median(runs.Select(f => f.Excess));
                double verb = Median(runs.Select(f => f.Verb));
                Line($"| {g.Key} | {runs.Count} | {runs[0].HostDead} | {served:0.0} | {served / runs[0].HostDead:0.000} | {excess:0.0} | {runs.Min(f => f.Excess):0.0} .. {runs.Max(f => f.Excess):0.0} | {verb:0.00} |");
            }
        }

        Line($"");
        foreach (string note in Notes(options, r))
        {
            Line($"- {note}");
        }

        return md.ToString();
    }

    private static string Seconds(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    /// <summary>The median; of an even count, the mean of the middle two.</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private static IEnumerable<string> Notes(BenchOptions options, PoolResults r)
    {
        yield return $"Snapshot rows: all on the pool's data domain, each round on an image of its own (a 10 GiB qcow2 base, nothing else), every round followed by one round of " +
                     $"the same anchor (`{StorageAnchor.LvCreateLine}` then `{StorageAnchor.QemuImgCreateLine}`, of the snapshot's LV size, removed again untimed). " +
                     $"Library and CLI first ({r.LibraryLvs} LVs in the VG at their start), as host id {100} with no agent running; then the agents start " +
                     $"({r.AgentLvs} LVs) and the SPM's agent runs the verb with its writer of the domain already open.";
        yield return $"Agent rows: one API client (HTTP over the agent's Unix socket) kept open. Submit to finished is what a manager sees: snapshot.create's reply, " +
                     $"then task.status every {AgentSnapshotBench.TaskPoll.TotalMilliseconds:0} ms until the task says finished, so it includes up to one poll interval " +
                     "of waiting and the polls themselves; the task's own record has only whole-second times.";
        yield return "CLI row: the whole `sanpool` process (the binary in artifacts/cli), start to exit; it pays a new writer's host id join and the SPM lease every time.";
        if (r.Failovers.Count == 0)
        {
            yield break;
        }

        yield return "Failover: on one pool per io_timeout (the io_timeout is the domains'), the pool's SPM (whichever host it is) gets kill -9 after the pool settled " +
                     "(every host connected with a valid host id lease, then max(10, 6 io) s); the killed host is restarted between runs and rejoins before the next.";
        yield return "Times are from the killed host's last renewal of its host id in the master lockspace, seen by polling its delta lease every 50 ms; " +
                     "\"kill at\" says how long after that renewal the kill came (renewals are 2 io apart).";
        yield return "The bound is host_dead = 8 io + 60 s after that last renewal: until then no survivor may take the SDM lease (the survivor's own count of " +
                     "the silence starts when it first saw that renewal, never earlier). It includes nothing else: not the survivor's delay in seeing the last renewal " +
                     "(it reads the other hosts' delta leases at its own renewals, every 2 io), nor whole-second rounding of its count, nor the election's tick (1 s) and " +
                     "wait (priority 5: about 1.05 s plus up to 0.5 s jitter), nor the SPM start (SDM lease ballot, pool metadata, writers of both domains with " +
                     "journal recovery, task area), nor the first structural verb. The excess is all of those.";
        yield return "\"master writer open\" and \"data writer open\": from the new SPM's agent log (its clock, to the millisecond): its writer of the master " +
                     "domain open (the master's SDM lease taken, the master's lockspace having been joined at connect) and of the data domain (that domain's lockspace " +
                     "joined at connect too, its SDM lease taken when the role starts). \"refused submits\": the new SPM's refusals of the first image.create, which is sent again " +
                     "every 20 ms until taken.";
        yield return "The survivors are polled with spm.status (a `vgs` on a host that is not SPM) every 1 s until 2 io + 5 s before host_dead, then every 0.2 s; " +
                     "\"first Contend seen\" is when a survivor was first seen contending (it waits in the SDM lease acquire until host_dead). " +
                     "Once a host says SPM it gets an image.create (1 GiB qcow2 on the data domain), its task polled every 20 ms.";
        yield return "The machine is shared (2 CPUs; other jobs ran at the same time), which slows the agents' lvm and qemu-img runs and can delay renewals and elections.";
    }
}
