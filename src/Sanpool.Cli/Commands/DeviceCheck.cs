using System.Globalization;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// The devices given to <c>domain create --block</c> and <c>domain extend --block</c>, looked at
/// before anything opens them, so a device that is not there is said to be missing rather than
/// found too small: a path that does not exist, or a block device with no medium (size 0 in
/// sysfs: a loop device with no file attached, an empty drive). Only sysfs is read; nothing is
/// opened.
/// </summary>
internal static class DeviceCheck
{
    public static void Exist(IEnumerable<string> devices, string option)
    {
        ArgumentNullException.ThrowIfNull(devices);
        foreach (string device in devices)
        {
            if (!Path.Exists(device))
            {
                throw new SanpoolException(CommonErrors.NotFound, $"{option} {device}: no such device");
            }

            if (SectorsOf(device) == 0)
            {
                throw new SanpoolException(CommonErrors.NotFound,
                    $"{option} {device}: the device has no medium (size 0): a loop device with no file attached? ('losetup --find --show FILE' attaches one)");
            }
        }
    }

    /// <summary>The block device's size in 512-byte sectors from /sys/class/block/NAME/size; null if it is not a block device or sysfs does not say.</summary>
    private static long? SectorsOf(string device)
    {
        try
        {
            string real = File.ResolveLinkTarget(device, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(device);
            string size = Path.Combine("/sys/class/block", Path.GetFileName(real), "size");
            return File.Exists(size) && long.TryParse(File.ReadAllText(size).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long sectors)
                ? sectors
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
