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

    /// <summary>Another writer holds the domain (its SPM lease, or this host's writer lock).</summary>
    public static readonly ErrorCode DomainBusy = new(-608, "DOMAIN_BUSY");
    public static readonly ErrorCode ImageNotFound = new(-609, "IMAGE_NOT_FOUND");
    public static readonly ErrorCode VolumeNotFound = new(-610, "VOLUME_NOT_FOUND");
    public static readonly ErrorCode ImageExists = new(-611, "IMAGE_EXISTS");

    /// <summary>The volume has children (or images made from it) and cannot be removed.</summary>
    public static readonly ErrorCode VolumeInUse = new(-612, "VOLUME_IN_USE");

    /// <summary>The volume is ILLEGAL or half-made: an operation that needs a sound chain refuses it.</summary>
    public static readonly ErrorCode VolumeIllegal = new(-613, "VOLUME_ILLEGAL");

    /// <summary>The image's chain is broken (dump-volume-chains names how); structural changes refuse it.</summary>
    public static readonly ErrorCode ChainBroken = new(-614, "CHAIN_BROKEN");

    /// <summary>An operation was interrupted and its recovery failed; the journal keeps it for the next writer.</summary>
    public static readonly ErrorCode RecoveryFailed = new(-615, "RECOVERY_FAILED");
}
