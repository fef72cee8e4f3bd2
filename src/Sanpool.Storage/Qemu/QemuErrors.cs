using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// qcow2 and qemu-img codes, band -660 .. -679 of the storage band. Numbers never change once
/// released; add new codes at the end of the band.
/// </summary>
public static class QemuErrors
{
    /// <summary>qemu-img (or qemu-io) ran and failed; the message names the command, exit code and stderr.</summary>
    public static readonly ErrorCode QemuImgFailed = new(-660, "QEMU_IMG_FAILED");

    /// <summary>A qcow2 header that qemu would refuse or that lies about its own layout; the message names the field.</summary>
    public static readonly ErrorCode BadQcow2 = new(-661, "BAD_QCOW2");

    /// <summary>A backing file that is not a bare volume UUID of the same image or its template.</summary>
    public static readonly ErrorCode UnsafeBackingFile = new(-662, "UNSAFE_BACKING_FILE");

    /// <summary>Two images were required to read the same and do not.</summary>
    public static readonly ErrorCode ImagesDiffer = new(-663, "IMAGES_DIFFER");

    /// <summary>qemu-img printed something that is not the JSON it documents.</summary>
    public static readonly ErrorCode QemuImgBadOutput = new(-664, "QEMU_IMG_BAD_OUTPUT");

    /// <summary>qemu-img did not finish in time and was killed; retrying may work.</summary>
    public static readonly ErrorCode QemuImgTimeout = new(-665, "QEMU_IMG_TIMEOUT");

    /// <summary>qemu-img, or a program it is run under (prlimit, nice, ionice), is not installed.</summary>
    public static readonly ErrorCode QemuToolMissing = new(-666, "QEMU_TOOL_MISSING");

    /// <summary><c>qemu-img check</c> found corruptions (or leaks, where leaks are not acceptable).</summary>
    public static readonly ErrorCode ImageCorrupt = new(-667, "IMAGE_CORRUPT");
}
