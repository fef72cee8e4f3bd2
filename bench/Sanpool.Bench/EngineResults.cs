namespace Sanpool.Bench;

/// <summary>One timed series and the anchor it is divided by (null: none).</summary>
internal sealed record EngineRow(LatencyStats Stats, LatencyStats? Anchor);

/// <summary>The reads of one database: how long filling it took, and its rows.</summary>
internal sealed record EngineListResults(string Database, int Disks, int Volumes, TimeSpan Fill, IReadOnlyList<EngineRow> Rows);

/// <summary>What the engine suite measured; a part that did not run is null or empty.</summary>
internal sealed record EngineResults
{
    public required string Setup { get; init; }

    public string LoadAfter { get; set; } = "";

    public IReadOnlyList<EngineRow>? Jobs { get; set; }

    public List<EngineListResults> Lists { get; } = [];

    public IReadOnlyList<EngineRow>? Reconcile { get; set; }

    /// <summary>The reconciled domain: its volumes, the engine's disks on it, how many of their chains agreed, and how long building it took.</summary>
    public (int Volumes, int Disks, int Agreeing, TimeSpan Build)? Domain { get; set; }

    public List<EngineFailoverResult> Failovers { get; } = [];

    public string FailoverDatabase { get; set; } = "";
}
