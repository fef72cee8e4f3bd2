namespace Sanpool.Bench;

/// <summary>What the pool suite measured: the setup line, the snapshot rows (agent, library, CLI, the shared anchor last) and the failovers.</summary>
internal sealed record PoolResults(string Setup, int LatencyIo, int LibraryLvs, int AgentLvs, IReadOnlyList<LatencyStats> Snapshot, IReadOnlyList<FailoverResult> Failovers);
