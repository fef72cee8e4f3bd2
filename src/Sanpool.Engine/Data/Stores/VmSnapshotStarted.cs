namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// What <see cref="SnapshotStore.BeginVmSnapshotAsync"/> wrote: the new REGULAR snapshot
/// (<see cref="SnapshotId"/>, the ACTIVE row's old id, LOCKED), the ACTIVE row's new id, and a
/// new LOCKED leaf per disk.
/// </summary>
public sealed record VmSnapshotStarted(Guid VmId, Guid SnapshotId, Guid ActiveSnapshotId, IReadOnlyList<VmSnapshotLeaf> Leaves);
