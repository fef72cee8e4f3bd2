using System.Text.RegularExpressions;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// Turns a failed lvm run into a <see cref="SanpoolException"/> with a specific code. LVM exits
/// 5 (ECMD_FAILED) for nearly every failure and 3 for usage errors, so the code comes from the
/// stderr text (LVM 2.03; messages observed on this machine):
/// <code>
/// VG_FULL        Volume group "vg" has insufficient free space (21 extents): 800 required.   (lvcreate)
///                Insufficient free space: 796 extents needed, but only 21 available            (lvextend)
///                Insufficient suitable contiguous allocatable extents for logical volume c: ... (--contiguous y)
/// LV_EXISTS      Logical Volume "lv1" already exists in volume group "vg1"                    (lvcreate, lvrename)
/// VG_EXISTS      A volume group called vg1 already exists.
/// VG_NOT_FOUND   Volume group "nosuchvg" not found
/// LV_NOT_FOUND   Failed to find logical volume "vg1/nosuch"                                   (lvs, lvchange, lvremove)
///                Logical volume nosuch not found in volume group vg1.                         (lvextend)
///                Existing logical volume "nosuch" not found in volume group "vg1"             (lvrename)
/// DEVICE_NOT_FOUND  Cannot use /dev/loop7: device is rejected by filter config
/// </code>
/// The message keeps the command line, the exit code and stderr minus the lines every
/// metadata-only command prints (see <see cref="IsNoise"/>).
/// </summary>
public static partial class LvmFailure
{
    public static SanpoolException From(ToolResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string stderr = Meaningful(result.Stderr);
        var code = Classify(stderr);
        return new SanpoolException(code, $"{result.CommandLine} exited with {result.ExitCode}: {stderr}");
    }

    /// <summary>The code for an lvm failure whose (meaningful) stderr is <paramref name="stderr"/>.</summary>
    public static ErrorCode Classify(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        if (VgFullPattern().IsMatch(stderr))
        {
            return LvmErrors.VgFull;
        }

        if (LvExistsPattern().IsMatch(stderr))
        {
            return LvmErrors.LvExists;
        }

        if (VgExistsPattern().IsMatch(stderr))
        {
            return LvmErrors.VgExists;
        }

        if (VgNotFoundPattern().IsMatch(stderr))
        {
            return LvmErrors.VgNotFound;
        }

        if (LvNotFoundPattern().IsMatch(stderr))
        {
            return LvmErrors.LvNotFound;
        }

        return DeviceNotFoundPattern().IsMatch(stderr) ? LvmErrors.DeviceNotFound : LvmErrors.LvmFailed;
    }

    /// <summary>stderr without the noise lines, trimmed, lines joined with " | ".</summary>
    public static string Meaningful(string stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !IsNoise(l));
        return string.Join(" | ", lines);
    }

    /// <summary>
    /// Lines that say only what the metadata-only setup implies: activation is off, backups are
    /// off, LVs are not zeroed, and (from a parent that leaves descriptors open) fd leak notes.
    /// </summary>
    public static bool IsNoise(string line) => NoisePattern().IsMatch(line);

    [GeneratedRegex(@"insufficient (free space|suitable)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VgFullPattern();

    [GeneratedRegex(@"logical volume ""[^""]*"" already exists in volume group", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LvExistsPattern();

    [GeneratedRegex(@"a volume group called \S+ already exists", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VgExistsPattern();

    [GeneratedRegex(@"volume group ""[^""]*"" not found", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VgNotFoundPattern();

    [GeneratedRegex(@"failed to find logical volume|logical volume ""?[^""\s]*""? not found in volume group", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LvNotFoundPattern();

    [GeneratedRegex(@"rejected by filter|device not found|failed to find physical volume|no device found for|couldn't find device", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DeviceNotFoundPattern();

    [GeneratedRegex(@"^(WARNING: (Activation disabled|This metadata update is NOT backed up|Skipping zeroing|Logical volume \S+ not zeroed)|File descriptor \d+ .* leaked on lvm invocation)",
        RegexOptions.CultureInvariant)]
    private static partial Regex NoisePattern();
}
