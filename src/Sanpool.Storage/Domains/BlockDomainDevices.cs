using System.Collections.Immutable;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.Domains;

/// <summary>
/// Checks on the LUNs given for a block domain, made before anything is written, so that bad
/// input is one clear error and no change. Only the devices given are ever opened or shown to
/// LVM (its filter names exactly them): Sanpool never scans the host for a domain's PVs.
/// </summary>
internal static class BlockDomainDevices
{
    /// <summary>LVM's name for the VG of a PV whose VG metadata is on a device it cannot see.</summary>
    private const string UnknownVg = "[unknown]";

    /// <summary>Valid absolute paths, no duplicates (after following symlinks), 1..MaxPvs of them.</summary>
    public static ImmutableArray<string> Check(IReadOnlyList<string> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Count is 0 or > BlockDomainLayout.MaxPvs)
        {
            throw CommonErrors.Invalid($"a block domain needs 1 to {BlockDomainLayout.MaxPvs} devices; {devices.Count} given");
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var device in devices)
        {
            LvmNames.CheckDevice(device);
            if (!seen.TryAdd(Canonical(device), device))
            {
                throw CommonErrors.Invalid($"{device} is given twice (as {seen[Canonical(device)]})");
            }
        }

        return [.. devices];
    }

    /// <summary>The device a path names, with symlinks (/dev/disk/by-id/...) followed.</summary>
    public static string Canonical(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    public static bool Same(string a, string b) => string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    /// <summary>
    /// Opens each device (read-only, direct) and checks that its logical sector size is
    /// <paramref name="sectorSize"/>; returns their sizes in bytes.
    /// </summary>
    public static async Task<long[]> CheckSectorSizesAsync(IReadOnlyList<string> devices, int sectorSize)
    {
        var sizes = new long[devices.Count];
        for (int i = 0; i < devices.Count; i++)
        {
            await using var device = DirectBlockDevice.Open(devices[i], readOnly: true);
            if (device.SectorSize != sectorSize)
            {
                throw new SanpoolException(StorageErrors.SectorSizeMismatch,
                    $"{devices[i]} has {device.SectorSize}-byte logical sectors, not {sectorSize}; a domain's sector size must be its devices'");
            }

            sizes[i] = device.Size;
        }

        return sizes;
    }

    /// <summary>DEVICE_IN_USE unless every PV LVM sees on the devices is free or in VG <paramref name="allowedVg"/>.</summary>
    public static void CheckNotInOtherVg(IEnumerable<PhysicalVolume> pvs, string allowedVg)
    {
        foreach (var pv in pvs)
        {
            if (pv.VgName == UnknownVg)
            {
                throw new SanpoolException(StorageErrors.DeviceInUse,
                    $"{pv.Name} is a PV of a VG whose metadata is on a device not given (LVM says [unknown]); it is not free");
            }

            if (pv.VgName is { } vg && vg != allowedVg)
            {
                throw new SanpoolException(StorageErrors.DeviceInUse, $"{pv.Name} belongs to VG {vg}; only free devices can be added to a domain");
            }
        }
    }

    /// <summary>TOO_SMALL unless the devices can hold the special LVs (counting as LVM will).</summary>
    public static void CheckCapacity(IReadOnlyList<string> devices, long[] sizes, int alignment)
    {
        long needed = BlockDomainLayout.SpecialExtents(alignment);
        long usable = sizes.Sum(BlockDomainLayout.UsableExtents);
        if (usable < needed || BlockDomainLayout.UsableExtents(sizes[0]) < 1)
        {
            throw new SanpoolException(CommonErrors.TooSmall,
                $"{string.Join(", ", devices)} give about {usable} extents of 128 MiB; the special LVs need {needed} " +
                $"({needed * BlockDomainLayout.ExtentSize / BlockDomainLayout.MiB} MiB) besides LVM's metadata areas");
        }
    }
}
