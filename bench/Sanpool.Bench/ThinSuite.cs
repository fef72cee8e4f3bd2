using System.Globalization;
using System.Text;
using Sanpool.Harness.ThinSimulation;
using Sanpool.Storage.Thin;

namespace Sanpool.Bench;

/// <summary>
/// The highest sustained guest write rate with no ENOSPC pause, VDSM's defaults against the
/// predictive mode, simulated (<see cref="ThinWriteSimulator"/>: the monitor's rules and the
/// policy on simulated time) for an 8 GiB disk that starts at one 128 MiB extent and is written
/// end to end. Each figure is the highest rate that did not pause with any of
/// <see cref="Seeds"/> latency draws. Writers: "booted" starts 5 s after prepare (a VM boots),
/// at full rate from its first write (a step no policy can foresee); "ramp" is booted and
/// reaches its rate over 4 s; "at once" starts writing at prepare; the last row uses a
/// 512 MiB chunk (VDSM's limit 410 MiB) in both modes. Latencies: fixed and uniform
/// assumptions, VDSM's 2-4 s round trip, and the measured extension latencies given with
/// <c>--thin-latencies FILE</c> (one per line, in ms). Needs no root. Writes bench/results/thin.md.
/// </summary>
internal static class ThinSuite
{
    private const double MiB = 1024 * 1024;
    private const double Highest = 16384 * MiB;
    private const int Seeds = 10;

    public static async Task RunAsync(BenchOptions options, string root)
    {
        var models = new List<LatencyModel>
        {
            LatencyModel.Fixed(TimeSpan.FromSeconds(0.25)),
            LatencyModel.Uniform(TimeSpan.FromSeconds(0.1), TimeSpan.FromSeconds(1)),
            LatencyModel.Uniform(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)),
        };
        if (options.ThinLatencies is string file)
        {
            models.Add(LatencyModel.Sampled(await ReadLatenciesAsync(file)));
        }

        var writers = new (string Name, ThinSimulationSettings Settings)[]
        {
            ("booted", new ThinSimulationSettings { WriterStart = TimeSpan.FromSeconds(5) }),
            ("ramp 4 s", new ThinSimulationSettings { WriterStart = TimeSpan.FromSeconds(5), RampUp = TimeSpan.FromSeconds(4) }),
            ("at once", new ThinSimulationSettings()),
            ("ramp 4 s, chunk 512 MiB", new ThinSimulationSettings
            {
                WriterStart = TimeSpan.FromSeconds(5),
                RampUp = TimeSpan.FromSeconds(4),
                Policy = new ExtensionPolicyOptions { ChunkBytes = 512L * 1024 * 1024 },
            }),
        };

        var text = new StringBuilder();
        text.AppendLine("## Thin provisioning: highest sustained write rate with no pause (simulated)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"8 GiB disk from one 128 MiB extent, written end to end; the rate no run of {Seeds} latency draws paused at (MiB/s, searched up to {Highest / MiB:F0}). ");
        text.AppendLine("Pauses and extension requests at 400 MiB/s, booted writer, first draw.");
        text.AppendLine();
        text.AppendLine("| extension latency | writer | VDSM defaults | predictive | VDSM pauses / requests @400 | predictive pauses / requests @400 |");
        text.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var model in models)
        {
            foreach (var (name, writer) in writers)
            {
                var vdsm = writer with { Latency = model };
                var predictive = vdsm with { Policy = vdsm.Policy with { Mode = ExtensionMode.Predictive } };
                string at400Vdsm = name == "booted" ? At(vdsm, 400) : "";
                string at400Predictive = name == "booted" ? At(predictive, 400) : "";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {model.Name} | {name} | {Rate(HighestClean(vdsm))} | {Rate(HighestClean(predictive))} | {at400Vdsm} | {at400Predictive} |");
            }
        }

        text.AppendLine();
        text.AppendLine("A writer at full rate from its first write is bound in both modes by the free space left while idle (VDSM's 2048 MiB limit) over one round trip: ");
        text.AppendLine("no policy plans for a rate it has not seen. Predictive gains there only when latencies vary (VDSM must survive every round trip on 2048 MiB, ");
        text.AppendLine("predictive only the first). Where the rate builds up over seconds (the ramp rows), predictive keeps ahead, most with a smaller chunk; ");
        text.AppendLine("with a 2-4 s round trip a 4 s ramp is about one round trip, so both stay near 2048 MiB over the slowest draw. \"at once\" (writing from prepare) is bound by one ");
        text.AppendLine("128 MiB extent over the first round trip in both modes.");
        string markdown = text.ToString();
        Console.WriteLine(markdown);
        string output = options.ThinOut ?? Path.Combine(root, "bench", "results", "thin.md");
        await File.WriteAllTextAsync(output, markdown);
    }

    private static double HighestClean(ThinSimulationSettings settings) =>
        Enumerable.Range(1, Seeds).Min(seed => ThinWriteSimulator.FindHighestRate(settings with { Latency = settings.Latency.WithSeed(seed) }, 1 * MiB, Highest));

    private static string Rate(double rate) => rate >= Highest ? $">= {Highest / MiB:F0}" : (rate / MiB).ToString("F0", CultureInfo.InvariantCulture);

    private static string At(ThinSimulationSettings settings, double mibPerSecond)
    {
        var result = ThinWriteSimulator.Run(settings with { RateBytesPerSecond = mibPerSecond * MiB });
        return string.Create(CultureInfo.InvariantCulture, $"{result.Pauses} / {result.Requests}");
    }

    private static async Task<IReadOnlyList<TimeSpan>> ReadLatenciesAsync(string file)
    {
        var lines = await File.ReadAllLinesAsync(file);
        return [.. lines.Where(l => l.Trim().Length > 0).Select(l => TimeSpan.FromMilliseconds(double.Parse(l.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture)))];
    }
}
