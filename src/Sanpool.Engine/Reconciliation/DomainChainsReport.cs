namespace Sanpool.Engine.Reconciliation;

/// <summary>
/// A whole domain compared with the database from one read of its storage: how many disks and
/// volumes each side has, the disks whose chains disagree (each with its four views and
/// differences), and the images on storage that no disk row names.
/// </summary>
/// <param name="UnknownImages">Images on storage with no disk in the database (a disk made behind the engine's back, or one whose rows were lost): importing them is an admin's call.</param>
public sealed record DomainChainsReport(
    Guid Domain, int Disks, int VolumesInDatabase, int VolumesOnStorage, IReadOnlyList<DiskChainReport> Disagreeing, IReadOnlyList<Guid> UnknownImages)
{
    /// <summary>True when every disk agrees and the storage has no image the database does not know.</summary>
    public bool Agrees => Disagreeing.Count == 0 && UnknownImages.Count == 0;
}

/// <summary>One disk's safe fixes, applied as a job.</summary>
public sealed record DiskFix(Guid Disk, Guid Job, IReadOnlyList<ChainDifference> Applied);

/// <summary>What a domain's reconciliation did (<see cref="Fixed"/>) and what waits for an admin (<see cref="Waiting"/>), after the read it started from.</summary>
public sealed record DomainReconcileResult(DomainChainsReport Before, IReadOnlyList<DiskFix> Fixed, IReadOnlyList<ChainDifference> Waiting);
