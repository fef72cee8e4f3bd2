using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The mailbox suite's Markdown: one table, each row's p50 and p99 also as a ratio to bare lvextend's.</summary>
internal static class MailboxReport
{
    public static string Format(string setup, LatencyStats anchor, IReadOnlyList<(int Hosts, LatencyStats Stats)> rows, IReadOnlyList<(int Hosts, IReadOnlyList<LatencyStats> Parts)> splits)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine("# Sanpool storage mailbox benchmark").AppendLine();
        s.AppendLine(setup).AppendLine();
        s.AppendLine("## Extension round trip through the mailbox (request written -> SPM handles it -> reply read), all hosts asking at once").AppendLine();
        s.AppendLine("| hosts | path | samples | p50 ms | p90 ms | p99 ms | max ms | p50 / anchor p50 | p99 / anchor p99 |");
        s.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (hosts, r) in rows)
        {
            s.AppendLine(c, $"| {hosts} | {r.Name} | {r.Rounds} | {r.Median:0.0} | {r.P90:0.0} | {r.P99:0.0} | {r.Max:0.0} | {r.Median / anchor.Median:0.00} | {r.P99 / anchor.P99:0.00} |");
        }

        s.AppendLine(c, $"| 1 | {anchor.Name} | {anchor.Rounds} | {anchor.Median:0.0} | {anchor.P90:0.0} | {anchor.P99:0.0} | {anchor.Max:0.0} | 1.00 | 1.00 |");
        s.AppendLine();
        s.AppendLine("- A sample is one host's `MailboxClient.ExtendAsync`, from the call to the reply: its 4 KiB mailbox write and the event block write, the SPM noticing " +
                     "(event block polled every 1 ms after activity, backing off x1.5 to 20 ms), its read of all 251 mailboxes (1 MiB, O_DIRECT), the handler, the 4 KiB reply write, " +
                     "and the host noticing (outbox polled every 1 ms after sending, backing off x1.2 to 100 ms).");
        s.AppendLine("- Mailbox I/O is O_DIRECT without O_SYNC, as VDSM's `dd oflag=direct`: on these loop devices a 4 KiB O_DIRECT write takes ~0.1 ms, with O_SYNC ~1.7 ms (each one an fsync of the backing file), measured with dd on a loop device like these, on the same machine, shortly before the run recorded here (not by the suite).");
        s.AppendLine("- All hosts are clients in the one benchmark process (thread pool minimum raised to 256 so blocking O_DIRECT calls of 100 hosts do not queue), sharing its 2 CPUs with the SPM; in a cluster each host polls from its own machine. The machine was shared with other builds and tests while this ran (load average in the setup line).");
        s.AppendLine("- Rounds start 100 ms apart, so both sides have backed off towards their idle polling when a round starts; one warm-up round per series is not counted.");
        s.AppendLine("- Hinted rows wire `MailboxClient.Requested` to `MailboxServer.Wake` and `MailboxServer.Replied` to the host's `MailboxClient.Wake`, as the agent API will (in-process here, so the hint costs nothing).");
        s.AppendLine("- The lvextend rows run `lvm lvextend -qq --size N VG/LV` (the LV named by the host's volume UUID; through `LvmCommand`, with Sanpool's `--config`) in the SPM's handler, up to 32 at once; lvm serialises them on the VG's lock, so with 100 hosts the last waits for the other 99.");
        s.AppendLine("- Anchor: the same `lvextend` of one LV by one extent, one at a time. VDSM's own mailbox round trip is 2-4 s (its 2 s monitor interval, `dd` processes and 0.5 s event checks).");
        s.AppendLine();
        AppendSplit(s, anchor, splits);
        return s.ToString();
    }

    /// <summary>The split table: per host count, each part of the agent's round trip as a ratio to bare lvextend.</summary>
    private static void AppendSplit(StringBuilder s, LatencyStats anchor, IReadOnlyList<(int Hosts, IReadOnlyList<LatencyStats> Parts)> splits)
    {
        var c = CultureInfo.InvariantCulture;
        s.AppendLine("## The agent's extension round trip split: mailbox, `lvextend`, refresh (hints wired), all hosts asking at once").AppendLine();
        s.AppendLine("| hosts | part | samples | p50 ms | p90 ms | p99 ms | max ms | p50 / anchor p50 | p99 / anchor p99 |");
        s.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (hosts, parts) in splits)
        {
            foreach (var r in parts)
            {
                s.AppendLine(c, $"| {hosts} | {r.Name} | {r.Rounds} | {r.Median:0.0} | {r.P90:0.0} | {r.P99:0.0} | {r.Max:0.0} | {r.Median / anchor.Median:0.00} | {r.P99 / anchor.P99:0.00} |");
            }
        }

        s.AppendLine(c, $"| 1 | {anchor.Name} | {anchor.Rounds} | {anchor.Median:0.0} | {anchor.P90:0.0} | {anchor.P99:0.0} | {anchor.Max:0.0} | 1.00 | 1.00 |");
        s.AppendLine();
        s.AppendLine("- Each host serves its LV through an `LvExport` (the NBD data path's map of the LV, named by the volume's UUID as on a block domain) and asks for one extent more than the export maps. " +
                     "A sample is one request: mailbox = request written -> the SPM's handler entered, plus handler done -> reply read (both directions, scans and polls included); " +
                     "`lvextend` = the handler's real `lvextend` (up to 32 handlers at once; lvm serialises them on the VG lock, so with many hosts most of it is the wait for the lock); " +
                     "refresh = the host's `LvExport.RefreshAsync` after the reply (`lvs` of the LV, and `pvs` only when a segment lies on a PV not seen before; then the new map swapped in), as the thin monitor runs it after every reply; total = request -> export refreshed.");
        s.AppendLine("- With many hosts the mailbox part also holds the wait for one of the SPM's 32 handler slots (`MaxConcurrentHandlers`): a request read in the first scan waits there while up to 32 handlers queue on the VG lock. " +
                     "So at 100 hosts mailbox and `lvextend` are both mostly lvm's serialisation; the mailbox's own transit is the no-op rows of the table above.");
        s.AppendLine("- Hints as in the agent: `MailboxClient.Requested` -> `MailboxServer.Wake`, `MailboxServer.Replied` -> the host's `MailboxClient.Wake` (in-process here; in the agent a hint is one call over the API socket).");
        s.AppendLine("- Every host's refresh runs here, on the SPM's machine and its lvm lock files: with 10 or 100 hosts the hosts' `lvs` run at once on 2 CPUs and wait on the VG lock behind the SPM's `lvextend`s. " +
                     "In a cluster each host runs its own lvm on its own machine, without the SPM's lock, so the refresh rows for 10 and 100 hosts are an upper bound; the 1-host row is what one host pays.");
    }
}
