using Sanpool.Engine.Reconciliation;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>What <c>POST /api/disks/{id}/reconcile</c> did: the job (null if nothing safe was to be done), the fixes it applied, and the comparison after it.</summary>
public sealed record ReconcileDto(JobDto? Job, IReadOnlyList<ChainDifference> Applied, DiskChainReport After);
