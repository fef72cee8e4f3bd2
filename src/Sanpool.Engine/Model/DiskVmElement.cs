namespace Sanpool.Engine.Model;

/// <summary>A row of <c>disk_vm_element</c>: a disk attached to a VM.</summary>
public sealed record DiskVmElement(Guid DiskId, Guid VmId, bool IsBoot, DiskInterface DiskInterface);
