using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The mailbox suite's Markdown: one table, each row's p50 and p99 also as a ratio to bare lvextend's.</summary>
internal static class MailboxReport
{
    public static string Format(string setup, LatencyStats anchor, IReadOnlyList<(int Hosts, LatencyStats Stats)> rows)
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
        s.AppendLine("- The lvextend rows run `lvm lvextend -qq --size N VG/mbx-H` (through `LvmCommand`, with Sanpool's `--config`) in the SPM's handler, up to 32 at once; lvm serialises them on the VG's lock, so with 100 hosts the last waits for the other 99.");
        s.AppendLine("- Anchor: the same `lvextend` of one LV by one extent, one at a time. VDSM's own mailbox round trip is 2-4 s (its 2 s monitor interval, `dd` processes and 0.5 s event checks).");
        return s.ToString();
    }
}
