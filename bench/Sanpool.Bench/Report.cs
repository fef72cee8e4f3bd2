using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The results as Markdown: the setup, the latency table, the takeover table.</summary>
internal static class Report
{
    public static string Format(BenchOptions options, string setup, IReadOnlyList<LatencyStats> latency, LatencyStats? anchor,
        IReadOnlyList<TakeoverResult> takeovers, IReadOnlyList<string> notes)
    {
        var md = new StringBuilder();
        void Line(FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"# Sanpool lease benchmark");
        Line($"");
        Line($"{setup}");
        Line($"");
        Line($"## Uncontended acquire + release of a free resource (io_timeout {options.Io}, {options.Rounds} rounds after {options.Warmup} warm-up)");
        Line($"");
        Line($"| path | rounds | median ms | p99 ms | min ms | max ms | median / sanlock | p99 / sanlock |");
        Line($"|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in latency)
        {
            string ratioMedian = anchor is null ? "n/a" : (s.Median / anchor.Median).ToString("0.00", CultureInfo.InvariantCulture);
            string ratioP99 = anchor is null ? "n/a" : (s.P99 / anchor.P99).ToString("0.00", CultureInfo.InvariantCulture);
            Line($"| {s.Name} | {s.Rounds} | {s.Median:0.000} | {s.P99:0.000} | {s.Min:0.000} | {s.Max:0.000} | {ratioMedian} | {ratioP99} |");
        }

        if (takeovers.Count > 0)
        {
            int bound = takeovers[0].HostDead;
            Line($"");
            Line($"## Takeover after kill -9 of the holder's daemon and holder (host_dead = 8 x {options.Io} + 60 = {bound} s)");
            Line($"");
            Line($"| holder killed | taken over by | refused while alive | last renewal -> acquired s | kill -> acquired s | host_dead s | ratio to host_dead | attempts | failed attempts |");
            Line($"|---|---|---|---:|---:|---:|---:|---:|---|");
            foreach (var t in takeovers)
            {
                Line($"| {t.Holder} | {t.Taker} | {t.Refusal ?? "-"} | {t.FromLastRenewal:0.000} | {t.FromKill:0.000} | {t.HostDead} | {t.Ratio:0.000} | {t.Attempts} | {t.Failures} |");
            }
        }

        if (notes.Count > 0)
        {
            Line($"");
            foreach (string n in notes)
            {
                Line($"- {n}");
            }
        }

        return md.ToString();
    }
}
