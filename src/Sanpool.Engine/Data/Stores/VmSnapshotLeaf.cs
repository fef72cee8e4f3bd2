namespace Sanpool.Engine.Data.Stores;

/// <summary>One disk's part of a VM snapshot: its leaf before, and the new leaf created on top of it.</summary>
public sealed record VmSnapshotLeaf(Guid DiskId, Guid OldLeaf, Guid NewLeaf);
