namespace Sanpool.Bench;

/// <summary>Order statistics of one series of timings, in milliseconds.</summary>
internal sealed record LatencyStats(string Name, int Rounds, double Median, double P90, double P99, double Min, double Max)
{
    public static LatencyStats From(string name, IReadOnlyList<TimeSpan> samples)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples", nameof(samples));
        }

        double[] ms = [.. samples.Select(s => s.TotalMilliseconds).Order()];
        return new LatencyStats(name, ms.Length, Percentile(ms, 0.5), Percentile(ms, 0.9), Percentile(ms, 0.99), ms[0], ms[^1]);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
