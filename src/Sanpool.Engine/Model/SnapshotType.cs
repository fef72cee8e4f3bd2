namespace Sanpool.Engine.Model;

/// <summary><c>snapshots.snapshot_type</c>, stored as its name, as the engine does.</summary>
public enum SnapshotType
{
    REGULAR,

    /// <summary>The VM as it runs now ("Active VM"): one per VM, its id on the disks' leaves.</summary>
    ACTIVE,
    STATELESS,
    PREVIEW,
    NEXT_RUN,
}
