namespace Sanpool.Engine.Reconciliation;

/// <summary>How a disk's chain in the database differs from the chain on storage (seed 003's cases).</summary>
public enum ChainDifferenceKind
{
    /// <summary>A row in <c>images</c> whose volume the storage does not have.</summary>
    MissingOnStorage,

    /// <summary>A volume of the image on storage that the database does not list.</summary>
    OrphanOnStorage,

    /// <summary>The views disagree on a volume's parent (database, metadata, LV tag, qcow2 backing file).</summary>
    ParentDiffers,

    /// <summary>A LOCKED row while no running job works on the disk.</summary>
    LockedWithoutJob,

    /// <summary>ILLEGAL in the volume metadata, not in the database.</summary>
    IllegalOnStorage,

    /// <summary>ILLEGAL in the database, LEGAL on storage.</summary>
    IllegalInDatabase,

    /// <summary>The database's virtual size differs from the metadata's capacity.</summary>
    SizeDiffers,

    /// <summary>The storage's own chain is broken (the agent's chain error) or a volume's metadata does not read.</summary>
    BrokenOnStorage,
}
