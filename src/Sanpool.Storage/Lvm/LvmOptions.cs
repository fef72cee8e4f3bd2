using System.Collections.Immutable;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// How <see cref="LvmCommand"/> runs lvm. <see cref="Devices"/> is the whole world LVM may see:
/// the filter accepts these paths and rejects everything else, so a command never scans,
/// reports or changes any other disk on the host. For a block domain that is the domain's own
/// PVs (plus, while extending, the new LUN).
/// </summary>
/// <param name="Devices">Absolute device paths, e.g. /dev/loop3 or /dev/mapper/36001405...</param>
public sealed record LvmOptions(ImmutableArray<string> Devices)
{
    /// <summary>The lvm binary: a path, or a name found by <see cref="Sanpool.Core.Tools.ToolLocator"/> (PATH, then the sbin directories).</summary>
    public string LvmPath { get; init; } = "lvm";

    /// <summary>How long one lvm command may run before it is killed (TOOL_TIMEOUT, transient).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Answers a report from the previous identical one while the devices' LVM metadata is
    /// unchanged on disk (see <see cref="LvmCommand"/>); off, every report runs lvm.
    /// </summary>
    public bool CacheReports { get; init; } = true;
}
