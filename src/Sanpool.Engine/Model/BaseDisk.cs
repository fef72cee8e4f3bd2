namespace Sanpool.Engine.Model;

/// <summary>A row of <c>base_disks</c>: one disk, whatever its volumes.</summary>
public sealed record BaseDisk(
    Guid DiskId,
    string DiskAlias,
    string? DiskDescription,
    bool Shareable,
    bool WipeAfterDelete,
    DiskContentType DiskContentType);
