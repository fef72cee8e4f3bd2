using Sanpool.BlockIO;

namespace Sanpool.Leases;

/// <summary>
/// Opens the device a lease spec names. The default opens it for direct I/O; tests swap in
/// memory or fault-injecting devices.
/// </summary>
public delegate IBlockDevice DeviceOpener(string path);

public static class LeaseDevices
{
    public static readonly DeviceOpener Direct = path => DirectBlockDevice.Open(path);

    /// <summary>An existing lease area on an open device, with the geometry its leader records.</summary>
    public static async Task<LeaseDisk> OpenAreaAsync(IBlockDevice device, long offset, TimeSpan ioTimeout, CancellationToken cancellationToken)
    {
        var geometry = await DetectGeometryAsync(device, offset, ioTimeout, cancellationToken).ConfigureAwait(false);
        return new LeaseDisk(device, offset, geometry, ioTimeout);
    }

    /// <summary>
    /// Finds the geometry of an existing lease area the way sanlock does: read 4096 bytes at
    /// the start and take sector size and alignment from the leader found there.
    /// </summary>
    public static async Task<LeaseGeometry> DetectGeometryAsync(IBlockDevice device, long offset, TimeSpan ioTimeout, CancellationToken cancellationToken)
    {
        int len = (int)Math.Min(4096, device.Size - offset);
        if (len < device.SectorSize)
        {
            throw new Core.SanpoolException(Core.CommonErrors.TooSmall, $"{device.Path} has no lease area at {offset} (size {device.Size})");
        }

        byte[] head;
        try
        {
            head = await device.ReadAsync(offset, len - (len % device.SectorSize), ioTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Core.SanpoolException e) when (e.Code.Value is <= -300 and > -400)
        {
            throw LeaseErrors.FromIo(e, LeaseErrors.LeaderRead);
        }

        var leader = OnDisk.LeaderRecord.Decode(head);
        if (leader.Magic is not (OnDisk.LeaderRecord.DeltaMagic or OnDisk.LeaderRecord.PaxosMagic or OnDisk.LeaderRecord.PaxosClearedMagic))
        {
            throw new Core.SanpoolException(LeaseErrors.LeaderMagic,
                $"{device.Path}:{offset}: no lease here (magic 0x{leader.Magic:x8})");
        }

        return LeaseGeometry.FromLeader(leader.SectorSize, leader.Flags);
    }
}
