using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Leases;

/// <summary>
/// One lease area on a device: where it starts, its geometry, and I/O bounded by io_timeout.
/// Block I/O failures become lease errors (a timeout is AIO_TIMEOUT, as in sanlock), and
/// every message names the path and absolute offset.
/// </summary>
public sealed class LeaseDisk
{
    public LeaseDisk(IBlockDevice device, long offset, LeaseGeometry geometry, TimeSpan ioTimeout)
    {
        if (offset < 0 || offset % geometry.Alignment != 0)
        {
            throw new SanpoolException(CommonErrors.Unaligned,
                $"offset {offset} on {device.Path} is not a multiple of the {LeaseGeometry.FormatAlignment(geometry.Alignment)} alignment");
        }

        if (geometry.SectorSize < device.SectorSize)
        {
            throw new SanpoolException(LeaseErrors.BadGeometry,
                $"{device.Path} has {device.SectorSize}-byte sectors; leases with {geometry.SectorSize}-byte sectors cannot live on it");
        }

        if (device.Size < offset + geometry.Alignment)
        {
            throw new SanpoolException(CommonErrors.TooSmall,
                $"{device.Path} is {device.Size} bytes; a lease area at {offset} needs {offset + geometry.Alignment}");
        }

        Device = device;
        Offset = offset;
        Geometry = geometry;
        IoTimeout = ioTimeout;
    }

    public IBlockDevice Device { get; }

    public long Offset { get; }

    public LeaseGeometry Geometry { get; }

    public TimeSpan IoTimeout { get; }

    public int SectorSize => Geometry.SectorSize;

    public string Where(long relative = 0) => $"{Device.Path}:{Offset + relative}";

    /// <summary>Reads sectors [first, first + count) of the area.</summary>
    public async Task<byte[]> ReadSectorsAsync(int first, int count, ErrorCode onFailure, CancellationToken cancellationToken)
    {
        try
        {
            return await Device.ReadAsync(Offset + ((long)first * SectorSize), count * SectorSize, IoTimeout, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code.Value is <= -300 and > -400)
        {
            throw LeaseErrors.FromIo(e, onFailure);
        }
    }

    /// <summary>Reads the whole area in one I/O.</summary>
    public Task<byte[]> ReadAreaAsync(ErrorCode onFailure, CancellationToken cancellationToken) =>
        ReadSectorsAsync(0, Geometry.Alignment / SectorSize, onFailure, cancellationToken);

    /// <summary>Writes sector-sized data starting at sector <paramref name="first"/>.</summary>
    public async Task WriteSectorsAsync(int first, byte[] data, ErrorCode onFailure, CancellationToken cancellationToken)
    {
        if (data.Length % SectorSize != 0 || (((long)first * SectorSize) + data.Length) > Geometry.Alignment)
        {
            // A lease write never leaves its area (sanlock property 6).
            throw new InvalidOperationException($"write of {data.Length} bytes at sector {first} would leave the lease area");
        }

        try
        {
            await Device.WriteAsync(Offset + ((long)first * SectorSize), data, IoTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code.Value is <= -300 and > -400)
        {
            throw LeaseErrors.FromIo(e, onFailure);
        }
    }
}
