using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// What the SPM's agent log says it did to one volume: every "SPM: extended volume V ... for
/// host H: FROM -> TO MiB (asked A MiB)" line (VolumeExtender's event 852), in log order, and
/// the chain checks the contention and failover scenarios share. Requests carry absolute
/// sizes, so a request handled twice (resent, or read again by a new SPM) must leave no second
/// line: the second handling finds the LV already that large and logs only at Debug.
/// </summary>
internal static partial class SpmExtensionLog
{
    /// <summary>Block domains' extent size: lvextend rounds every size up to it.</summary>
    public const long ExtentMiB = 128;

    public static async Task<IReadOnlyList<Line>> ReadAsync(string logPath, string volume)
    {
        var lines = new List<Line>();
        foreach (string text in await File.ReadAllLinesAsync(logPath))
        {
            var m = Extended().Match(text);
            if (m.Success && m.Groups["volume"].Value == volume)
            {
                var end = TimeSpan.ParseExact(m.Groups["time"].Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
                var took = TimeSpan.FromMilliseconds(Mib(m, "ms"));
                lines.Add(new Line(int.Parse(m.Groups["host"].Value, CultureInfo.InvariantCulture), Mib(m, "from"), Mib(m, "to"), Mib(m, "asked"), end - took, end, text));
            }
        }

        return lines;
    }

    /// <summary>The host's extend.done events for <paramref name="volume"/>, as (from, to, latency) in MiB and ms.</summary>
    public static IReadOnlyList<(long From, long To, double LatencyMs)> Done(JsonArray events, string volume) =>
        [.. events.Where(e => (string?)e!["kind"] == "extend.done" && (string?)e["volume"] == volume)
            .Select(e => ((long)e!["from_mib"]!, (long)e["to_mib"]!, (double)e["latency_ms"]!))];

    /// <summary>
    /// Asserts a host's extend.done events are one chain from <paramref name="initialMiB"/> to
    /// the LV's size <paramref name="lvMiB"/>: each starts where the one before ended and grows
    /// it, so none was lost and none made twice.
    /// </summary>
    public static void AssertDoneChain(IReadOnlyList<(long From, long To, double LatencyMs)> done, long initialMiB, long lvMiB)
    {
        Assert.NotEmpty(done);
        long size = initialMiB;
        foreach (var d in done)
        {
            Assert.Equal(size, d.From);
            Assert.True(d.To > d.From, $"an extend.done event that did not grow the LV: {d.From} -> {d.To} MiB");
            size = d.To;
        }

        Assert.Equal(lvMiB, size);
    }

    /// <summary>
    /// Asserts the lines, in order, are one chain of real size changes: each starts at the size
    /// the one before left (the first at <paramref name="initialMiB"/>), grows the LV, and grows
    /// it no further than asked (rounded up to whole extents): an LV extended twice for one
    /// request would show a second line, or one past what was asked.
    /// </summary>
    public static void AssertChain(IReadOnlyList<Line> lines, long initialMiB, string what)
    {
        long size = initialMiB;
        foreach (var line in lines)
        {
            Assert.True(line.FromMiB == size, $"{what}: an extension starts at {line.FromMiB} MiB, but the LV was {size} MiB before it: {line.Text}");
            Assert.True(line.ToMiB > line.FromMiB, $"{what}: an \"extended\" line that did not grow the LV: {line.Text}");
            Assert.True(line.ToMiB <= RoundUp(line.AskedMiB), $"{what}: extended past what was asked ({line.AskedMiB} MiB): {line.Text}");
            size = line.ToMiB;
        }
    }

    public static long RoundUp(long mib) => (mib + ExtentMiB - 1) / ExtentMiB * ExtentMiB;

    private static long Mib(Match m, string group) => long.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<time>\d\d:\d\d:\d\d\.\d{3}) .*SPM: extended volume (?<volume>[0-9a-f-]{36}) of domain [0-9a-f-]{36} for host (?<host>\d+): (?<from>\d+) -> (?<to>\d+) MiB \(asked (?<asked>\d+) MiB\) in (?<ms>\d+) ms")]
    private static partial Regex Extended();

    /// <summary>
    /// One "extended volume" line: who asked, the LV's size before and after, the size asked
    /// for, and when the extension ran (time of day: the log's stamp, less the time it took).
    /// </summary>
    internal sealed record Line(int Host, long FromMiB, long ToMiB, long AskedMiB, TimeSpan Started, TimeSpan Ended, string Text);
}
