using Sanpool.Core;

namespace Sanpool.DataPath;

/// <summary>
/// Codes of the data path (FUSE mounts, LV exports), band -680 .. -699 of the storage band (storage -600 .. -639,
/// LVM -640 .. -659, qemu -660 .. -679). The band stayed with the data path when it left Storage for its own
/// project. Numbers never change once released.
/// </summary>
public static class DataPathErrors
{
    /// <summary>/dev/fuse cannot be opened, or mount(2) refused the file system; the message has the errno text.</summary>
    public static readonly ErrorCode MountFailed = new(-680, "FUSE_MOUNT_FAILED");

    /// <summary>The kernel did not complete the FUSE INIT handshake, or spoke a protocol Sanpool cannot.</summary>
    public static readonly ErrorCode ProtocolFailed = new(-681, "FUSE_PROTOCOL_FAILED");

    /// <summary>A volume of that name is already in the file system (use Replace to swap it).</summary>
    public static readonly ErrorCode VolumeExists = new(-682, "FUSE_VOLUME_EXISTS");

    /// <summary>A volume name that cannot be a file name in one directory ('/', NUL, "." or "..", over 255 bytes).</summary>
    public static readonly ErrorCode BadVolumeName = new(-683, "FUSE_BAD_VOLUME_NAME");

    /// <summary>umount2 failed; the message has the errno text.</summary>
    public static readonly ErrorCode UnmountFailed = new(-684, "FUSE_UNMOUNT_FAILED");

    /// <summary>The activated-LV data path was asked for on a host whose kernel has no device-mapper driver.</summary>
    public static readonly ErrorCode NoDeviceMapper = new(-685, "NO_DEVICE_MAPPER");
}
