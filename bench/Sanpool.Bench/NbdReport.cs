using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The NBD suite's Markdown: one row per backing and workload, Sanpool against qemu-nbd.</summary>
internal static class NbdReport
{
    public static string Format(string setup, IReadOnlyList<NbdResult> results)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Sanpool NBD benchmark").AppendLine();
        md.AppendLine(inv, $"{setup}.").AppendLine();
        md.AppendLine("| file on | workload | Sanpool MiB/s | qemu-nbd MiB/s | Sanpool IOPS | qemu-nbd IOPS | Sanpool / qemu-nbd |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            md.AppendLine(inv, $"| {r.Backing.Name} | {r.Workload.Name} | {r.SanpoolMiBps:0.0} | {r.QemuNbdMiBps:0.0} | {r.SanpoolIops:0} | {r.QemuNbdIops:0} | {r.Ratio:0.00} |");
        }

        md.AppendLine();
        int rounds = results.Count > 0 ? results[0].Rounds : 0;
        md.AppendLine(inv, $"- Client: `qemu-img bench -f raw -c COUNT -d 16 -s SIZE -S SIZE [-w] nbd+unix:///disk?socket=SOCK` (sequential; the same for both servers), over a unix socket. Each figure is the median of {rounds} rounds of the I/O time qemu-img bench reports; rounds alternate which server goes first; one untimed 4 KiB warm-up run after each server start.");
        md.AppendLine("- Sanpool: `NbdServer` in the bench process, a `FileExport` over the file (pread/pwrite on pooled 4 KiB-aligned buffers, O_DIRECT on ext4), simple replies.");
        md.AppendLine("- qemu-nbd: `qemu-nbd -k SOCK -f raw -t -x disk --cache=writeback --aio=threads FILE` on tmpfs (both servers through the page cache there), `--cache=none --aio=native` on ext4 (both O_DIRECT); qemu-nbd offers structured replies and the client takes them.");
        md.AppendLine("- The machine's other work shares its 2 CPUs (see the load average above). Under contention Sanpool's server, which runs requests on the .NET thread pool, may win a bigger CPU share than qemu-nbd's single main loop; compare runs at a similar load.");
        md.AppendLine("- The file holds random data (written before the runs), so neither server can answer a read from a hole. Ratios above 1 mean Sanpool is faster.");
        return md.ToString();
    }
}
