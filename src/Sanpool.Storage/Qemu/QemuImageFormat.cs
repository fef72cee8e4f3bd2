namespace Sanpool.Storage.Qemu;

/// <summary>The image formats a VDSM chain holds: RAW (base volumes) and COW (qcow2).</summary>
public enum QemuImageFormat
{
    Raw,
    Qcow2,
}
