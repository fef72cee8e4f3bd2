namespace Sanpool.Engine.Model;

/// <summary><c>disk_vm_element.disk_interface</c>, stored as its name, as the engine does.</summary>
public enum DiskInterface
{
    VirtIO,
    VirtIO_SCSI,
    SATA,
    IDE,
}
