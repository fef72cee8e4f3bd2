using Sanpool.Core;

namespace Sanpool.Storage;

/// <summary>
/// Storage domain and volume codes, band -600 .. -639 (LVM has -640 .. -659, qemu -660 .. -679).
/// </summary>
public static class StorageErrors
{
    public static readonly ErrorCode MetadataSealBroken = new(-600, "METADATA_SEAL_BROKEN");
    public static readonly ErrorCode MetadataInvalid = new(-601, "METADATA_INVALID");
    public static readonly ErrorCode MetadataOverflow = new(-602, "METADATA_OVERFLOW");
    public static readonly ErrorCode DomainExists = new(-603, "DOMAIN_EXISTS");
    public static readonly ErrorCode DomainNotFound = new(-604, "DOMAIN_NOT_FOUND");

    /// <summary>A device given for a new domain (or an extension) belongs to another VG.</summary>
    public static readonly ErrorCode DeviceInUse = new(-605, "DEVICE_IN_USE");

    /// <summary>A device's logical sector size is not the domain's.</summary>
    public static readonly ErrorCode SectorSizeMismatch = new(-606, "SECTOR_SIZE_MISMATCH");

    /// <summary>A block domain whose creation never finished (its VG still has the _UNREADY tag).</summary>
    public static readonly ErrorCode DomainIncomplete = new(-607, "DOMAIN_INCOMPLETE");
}
