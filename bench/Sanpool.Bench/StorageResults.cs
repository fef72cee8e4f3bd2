namespace Sanpool.Bench;

/// <summary>What the storage suite measured; each list ends with its anchor.</summary>
internal sealed record StorageResults(
    string Setup,
    IReadOnlyList<LatencyStats> Snapshot,
    int SnapshotDomainLvs,
    int Volumes,
    int Images,
    TimeSpan Build,
    IReadOnlyList<LatencyStats> Inventory);
