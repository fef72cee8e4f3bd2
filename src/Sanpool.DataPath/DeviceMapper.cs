using Sanpool.Core;

namespace Sanpool.DataPath;

/// <summary>
/// Whether this host can activate LVs. The control node alone proves nothing: a kernel without
/// the dm driver (this project's CI machine) still has /dev/mapper/control, and opening it fails
/// with ENODEV; only a successful open means lvm can load tables.
/// </summary>
public static class DeviceMapper
{
    public const string ControlPath = "/dev/mapper/control";

    private static readonly Lazy<bool> Probed = new(() => CanOpen(ControlPath));

    /// <summary>True if the device-mapper driver answers on this host (probed once per process).</summary>
    public static bool IsAvailable => Probed.Value;

    /// <summary>
    /// The mode a host actually uses: <see cref="LvDataPathMode.Auto"/> resolved by
    /// <paramref name="available"/>; <see cref="LvDataPathMode.Activated"/> asked for on a host
    /// without device-mapper is an error at once, not at the first prepare.
    /// </summary>
    public static LvDataPathMode Resolve(LvDataPathMode mode, bool available) => mode switch
    {
        LvDataPathMode.Auto => available ? LvDataPathMode.Activated : LvDataPathMode.Segments,
        LvDataPathMode.Activated when !available =>
            throw new SanpoolException(DataPathErrors.NoDeviceMapper, $"data path \"activated\" needs device-mapper, and {ControlPath} does not answer on this host; use \"auto\" or \"segments\""),
        _ => mode,
    };

    /// <summary>True if <paramref name="controlPath"/> opens for reading and writing.</summary>
    public static bool CanOpen(string controlPath)
    {
        try
        {
            using var handle = File.OpenHandle(controlPath, FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
