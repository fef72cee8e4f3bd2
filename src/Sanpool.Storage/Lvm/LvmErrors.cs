using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// Codes for the lvm tool, band -640 .. -659 (inside the storage band -600 .. -699).
/// <see cref="LvmCommand"/> maps LVM's stderr onto the specific codes; whatever it does not
/// recognise is <see cref="LvmFailed"/>, whose message names the command, exit code and stderr.
/// A tool that is missing or hangs keeps the generic tool codes (TOOL_NOT_INSTALLED,
/// TOOL_TIMEOUT), which every tool wrapper shares.
/// </summary>
public static class LvmErrors
{
    /// <summary>lvm exited non-zero for a reason not listed below.</summary>
    public static readonly ErrorCode LvmFailed = new(-640, "LVM_FAILED");

    /// <summary>No VG of that name among the devices the filter accepts.</summary>
    public static readonly ErrorCode VgNotFound = new(-641, "VG_NOT_FOUND");

    /// <summary>The VG exists but has no LV of that name.</summary>
    public static readonly ErrorCode LvNotFound = new(-642, "LV_NOT_FOUND");

    /// <summary>Not enough free extents (of the kind asked for) to create or extend an LV.</summary>
    public static readonly ErrorCode VgFull = new(-643, "VG_FULL");

    /// <summary>An LV of that name already exists in the VG (lvcreate, lvrename).</summary>
    public static readonly ErrorCode LvExists = new(-644, "LV_EXISTS");

    /// <summary>A VG of that name already exists (vgcreate).</summary>
    public static readonly ErrorCode VgExists = new(-645, "VG_EXISTS");

    /// <summary>A device is missing or rejected by the device filter.</summary>
    public static readonly ErrorCode DeviceNotFound = new(-646, "DEVICE_NOT_FOUND");

    /// <summary>lvm succeeded but printed a report Sanpool cannot read.</summary>
    public static readonly ErrorCode BadReport = new(-647, "LVM_BAD_REPORT");
}
