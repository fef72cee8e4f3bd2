namespace Sanpool.Engine.Model;

/// <summary>A row of <c>snapshots</c>: a VM snapshot, or the VM's ACTIVE row ("Active VM").</summary>
public sealed record Snapshot(
    Guid SnapshotId,
    Guid VmId,
    SnapshotType SnapshotType,
    SnapshotStatus Status,
    string Description,
    DateTimeOffset CreationDate,
    string? VmConfiguration)
{
    /// <summary>The description the engine gives every VM's ACTIVE snapshot.</summary>
    public const string ActiveDescription = "Active VM";
}
