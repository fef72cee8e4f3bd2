namespace Sanpool.Engine.Model;

/// <summary>One entity a job works on (<c>job_subject_entity</c>): a disk, a storage domain, a VM.</summary>
/// <param name="EntityType">oVirt's VdcObjectType name: Disk, Storage, VM.</param>
public sealed record JobSubject(Guid JobId, Guid EntityId, string EntityType);
