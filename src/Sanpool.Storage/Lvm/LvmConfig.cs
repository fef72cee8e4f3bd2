using System.Text;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// The <c>--config</c> string every lvm command gets. It overrides lvm.conf for that command
/// only, so the host's own LVM setup is never changed and never consulted for these settings:
/// <list type="bullet">
/// <item><c>devices/filter</c> and <c>global_filter</c>: accept exactly the listed devices,
/// reject everything else. Both are set because some code paths (scanning, the hints file)
/// only honour the global one. <c>use_devicesfile=0</c>: the system devices file must not
/// add or hide devices; <c>obtain_device_list_from_udev=0</c>: no udev on this kind of
/// machine, and LVM must not depend on its timing; <c>hints="none"</c>: never read or write
/// /run/lvm/hints, which describes the host's view, not ours.</item>
/// <item><c>global/activation=0</c>: metadata only, no device-mapper (the <c>--driverloaded n</c>
/// of every verb, said once). LVs are never activated, so they are never zeroed or wiped
/// either (lvm prints "Skipping zeroing"). Only the data path's activation verbs
/// (<see cref="LvmCommand.LvActivateAsync"/> and its kin, on a host with device-mapper) get
/// <c>activation=1</c>: the host's own dm tables change only when it serves a volume, never as a
/// side effect of the SPM's metadata changes. <c>use_lvmlockd=0</c>: Sanpool's own leases
/// (the SPM role) make it the only writer of the VG; lvmlockd is not used.</item>
/// <item><c>activation/udev_sync=0 udev_rules=0 monitoring=0</c>: no udev cookies and no
/// dmeventd, which would wait for events that never come.</item>
/// <item><c>backup/backup=0 archive=0</c>: the VG lives on shared storage and other hosts
/// change it; a per-host copy in /etc/lvm/backup would be stale, and tests would litter it.</item>
/// </list>
/// </summary>
public static class LvmConfig
{
    /// <summary>The config text for a filter that accepts exactly <paramref name="devices"/>.</summary>
    /// <param name="activation">Lets the command change device-mapper tables (lvchange -ay/-an/--refresh only).</param>
    public static string Build(IEnumerable<string> devices, bool activation = false)
    {
        string filter = Filter(devices);
        return "devices { "
               + $"filter={filter} global_filter={filter} "
               + "use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" } "
               + "activation { udev_sync=0 udev_rules=0 monitoring=0 } "
               + $"global {{ activation={(activation ? 1 : 0)} use_lvmlockd=0 }} "
               + "backup { backup=0 archive=0 }";
    }

    /// <summary>
    /// ["a|^/dev/x$|", ..., "r|.*|"]: one anchored accept rule per device, then reject all.
    /// LVM tries the rules in order and the first match decides; a device matches if any of
    /// its names (symlinks included) does.
    /// </summary>
    public static string Filter(IEnumerable<string> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var sb = new StringBuilder("[");
        foreach (var device in devices)
        {
            sb.Append("\"a|^").Append(EscapeRegex(LvmNames.CheckDevice(device))).Append("$|\",");
        }

        return sb.Append("\"r|.*|\"]").ToString();
    }

    /// <summary>Escapes LVM regex metacharacters so a path matches only itself.</summary>
    private static string EscapeRegex(string path)
    {
        var sb = new StringBuilder(path.Length + 8);
        foreach (char c in path)
        {
            if (c is '.' or '*' or '+' or '?' or '[' or ']' or '(' or ')' or '{' or '}' or '^' or '$')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
