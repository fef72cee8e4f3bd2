namespace Sanpool.Engine.Model;

/// <summary><c>base_disks.disk_content_type</c>; the engine's values (Sanpool's disks are DATA).</summary>
public enum DiskContentType
{
    DATA = 0,
}
