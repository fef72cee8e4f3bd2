namespace Sanpool.Engine.Hosts;

/// <summary>What an import added (nothing, the second time) and the disks it left out, with why.</summary>
public sealed record PoolImportResult(Guid Pool, bool PoolAdded, int DomainsAdded, int DisksAdded, IReadOnlyList<string> Skipped);
