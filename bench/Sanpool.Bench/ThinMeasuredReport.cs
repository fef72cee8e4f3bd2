using System.Globalization;
using System.Text;
using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>The thin-measured suite's Markdown: one row per policy, each rate also as a ratio to the writer's own unthrottled rate (the anchor).</summary>
internal static class ThinMeasuredReport
{
    private const double MiB = 1024 * 1024;

    public static string Format(string setup, long capacity, double anchorMiB, IReadOnlyList<ThinMeasuredRow> rows, TimeSpan elapsed)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine("## Thin provisioning: highest sustained write rate with no pause (measured)").AppendLine();
        s.AppendLine(setup).AppendLine();
        s.AppendLine(c, $"A {capacity / MiB / 1024:0} GiB thin disk from one 128 MiB extent, written from its start by qemu-io in {ThinMeasuredBench.Chunk / MiB:0} MiB writes, ramping to the rate over {ThinMeasuredBench.RampUp.TotalSeconds:0} s and then holding it, ");
        s.AppendLine(c, $"end to end or for {ThinMeasuredBench.MostWriting.TotalSeconds:0} s of writing, whichever is less (below {(capacity / MiB) / (ThinMeasuredBench.MostWriting - (ThinMeasuredBench.RampUp / 2)).TotalSeconds:0} MiB/s); ");
        s.AppendLine(c, $"a rate is clean when no write was refused (no pause) and the writer held at least {PacedRun.Kept:P0} of it after the ramp. The suite ran {elapsed.TotalMinutes:0.0} min.").AppendLine();
        s.AppendLine("| policy | chunk MiB | utilization % | extends when free space < MiB | highest clean rate MiB/s | / anchor | lowest rate that paused MiB/s | its pauses (s paused) | requests (clean run) | extension p50 ms | extension p90 ms | runs: MiB/s (pauses) |");
        s.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            var clean = row.HighestClean;
            var failed = row.LowestFailed;
            string highest = clean is null ? "none" : (row.AtLeast ? ">= " : "") + clean.RateMiB.ToString("0", c);
            string ratio = clean is null ? "-" : (row.AtLeast ? ">= " : "") + (clean.RateMiB / anchorMiB).ToString("0.00", c);
            string lowestFailed = failed is null ? "-" : failed.RateMiB.ToString("0", c);
            string failedPauses = failed is null ? "-" : string.Create(c, $"{failed.Pauses} ({failed.Paused.TotalSeconds:0.00})") + (failed.Sustained ? "" : ", rate not held");
            string requests = clean is null ? "-" : clean.Requests.ToString(c);
            string runs = string.Join(", ", row.Runs.Select(r => string.Create(c, $"{r.RateMiB:0} ({r.Pauses}{(r.Sustained ? "" : ", not held")})")));
            s.AppendLine(c, $"| {row.Name} | {row.Policy.ChunkBytes / MiB:0} | {row.Policy.UtilizationPercent} | {Trigger(row.Policy)} | {highest} | {ratio} | {lowestFailed} | {failedPauses} | {requests} | {Ms(row.Latencies, l => l.Median)} | {Ms(row.Latencies, l => l.P90)} | {runs} |");
        }

        s.AppendLine(c, $"| anchor: the same qemu-io writes unthrottled, LV already at its maximum (no monitor, no extension) | - | - | - | {anchorMiB:0} | 1.00 | - | - | - | - | - | - |");
        s.AppendLine();
        var all = rows.SelectMany(r => r.Latencies).ToList();
        s.AppendLine(c, $"- Extension round trip observed over all runs ({all.Count} extensions; the monitor's own measure, request sent -> export refreshed: mailbox both ways, `lvextend` in the SPM's handler, `lvs` and the new map on the host): p50 {Ms(all, l => l.Median)} ms, p90 {Ms(all, l => l.P90)} ms, max {Ms(all, l => l.Max)} ms.");
        var everyRun = rows.SelectMany(r => r.Runs).ToList();
        s.AppendLine(c, $"- Read back after every run with `qemu-io read -P` through the same export: the first and the last {ThinMeasuredBench.Chunk / MiB:0} MiB and every write that was refused and sent again: {everyRun.Sum(r => r.Checked)} chunks checked, {everyRun.Sum(r => r.Mismatched)} did not hold the pattern written.");
        s.AppendLine("- Real parts: the VG on a loop device over a file in /dev/shm (128 MiB extents, metadata-only LVM), the LV served by `LvExport` through Sanpool's `NbdServer` on a unix socket to a real `qemu-io -f raw nbd+unix://...` process fed `write -P` commands on its stdin one at a time; " +
                     "`ThinVolumeMonitor` under the policy, its requests through the agent's `MailboxRequester` (a `MailboxClient` on the host's own O_DIRECT handles of the inbox and outbox loop devices), the SPM's `MailboxServer` answering with a real `lvextend`; hints wired as in the agent. All in one process, on this machine's CPUs with qemu-io.");
        s.AppendLine("- A write refused with ENOSPC is a pause (as a VM with `werror=enospc`): the writer's clock stops, it waits until the export maps the write (polled every 5 ms) and sends it again; the monitor heard of it from the export's OutOfSpace event. " +
                     "The writer starts right after the disk is prepared (the monitor's first look), so its first 128 MiB race the first extension; the ramp lets the predictive rate estimate follow the writer.");
        s.AppendLine("- The search: the top rate (90 % of the anchor, so the writer's own ceiling is not what fails) first; if it pauses, bisection between the highest clean and the lowest failed rate so far, one run each, so a figure is good to the last step's width and a rate near the edge may go either way on another run.");
        s.AppendLine("- VDSM mode extends by one chunk when the free space falls below (100 - utilization)% of a chunk (VDSM's `volume_utilization_percent`, default 20); predictive plans the free space from the measured rate and latency " +
                     "(default settings: lead time = p90 latency x 2 + 1 s, room for a horizon >= 5 s), never below VDSM's limit. With VDSM's real chunk (2560 MiB) the first extension, asked for at prepare, already covers most of the disk, " +
                     "and with a 128 MiB chunk VDSM's 102 MiB limit outlasts this round trip at the writer's rates: a policy's free space over the round trip bounds its rate, so the last pair narrows VDSM's limit to 12.8 MiB (utilization 90 %) " +
                     "to show the difference at rates this writer reaches.");
        return s.ToString();
    }

    private static string Trigger(ExtensionPolicyOptions policy)
    {
        string limit = (policy.WatermarkLimit / MiB).ToString("0.#", CultureInfo.InvariantCulture);
        return policy.Mode == ExtensionMode.Vdsm ? limit : $"max({limit}, rate x lead time)";
    }

    private static string Ms(IReadOnlyList<TimeSpan> samples, Func<LatencyStats, double> pick) =>
        samples.Count == 0 ? "-" : pick(LatencyStats.From("extension", samples)).ToString("0", CultureInfo.InvariantCulture);
}
