namespace Sanpool.Bench;

/// <summary>The split series' samples, part by part (see <see cref="MailboxSplitBench"/>).</summary>
internal sealed class MailboxSplit
{
    private readonly List<Sample> _samples = [];

    public int Count => _samples.Count;

    public void AddRange(IEnumerable<Sample> samples) => _samples.AddRange(samples);

    /// <summary>Each part's order statistics, in the table's order.</summary>
    public IReadOnlyList<LatencyStats> Parts() =>
    [
        LatencyStats.From("mailbox (request -> handler entered, handler done -> reply read)", [.. _samples.Select(s => s.Mailbox)]),
        LatencyStats.From("`lvextend` (in the SPM's handler)", [.. _samples.Select(s => s.LvExtend)]),
        LatencyStats.From("refresh (`LvExport.RefreshAsync`: lvs of the LV, new map)", [.. _samples.Select(s => s.Refresh)]),
        LatencyStats.From("total (request -> export refreshed)", [.. _samples.Select(s => s.Total)]),
    ];

    /// <summary>One request's parts: mailbox both ways, the handler's lvextend, the host's refresh, and all of it.</summary>
    internal sealed record Sample(TimeSpan Mailbox, TimeSpan LvExtend, TimeSpan Refresh, TimeSpan Total);
}
