using System.Buffers;
using Sanpool.BlockIO;

namespace Sanpool.DataPath;

/// <summary>
/// Byte-range I/O on an <see cref="IBlockDevice"/>, which only takes whole sectors. A range
/// that starts or ends inside a sector is widened to whole sectors: a read reads the wider
/// range and copies out the middle; a write reads the partial head and tail sectors, patches
/// the new bytes in and writes the whole sectors back (read-modify-write). The caller keeps
/// ranges inside the device and serialises writes (see <see cref="VolumeFile"/>).
/// </summary>
internal static class SectorAlignedIo
{
    public static async ValueTask ReadAsync(IBlockDevice device, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var (start, end) = Widen(offset, destination.Length, device.SectorSize);
        if (start == offset && end == offset + destination.Length)
        {
            await device.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
            return;
        }

        int length = checked((int)(end - start));
        byte[] bounce = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await device.ReadAsync(start, bounce.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            bounce.AsSpan(checked((int)(offset - start)), destination.Length).CopyTo(destination.Span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bounce);
        }
    }

    public static async ValueTask WriteAsync(IBlockDevice device, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int sectorSize = device.SectorSize;
        var (start, end) = Widen(offset, data.Length, sectorSize);
        if (start == offset && end == offset + data.Length)
        {
            await device.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
            return;
        }

        int length = checked((int)(end - start));
        int head = checked((int)(offset - start));
        byte[] bounce = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (head != 0)
            {
                await device.ReadAsync(start, bounce.AsMemory(0, sectorSize), cancellationToken).ConfigureAwait(false);
            }

            // The tail sector needs its own read unless it is the head sector, already read.
            bool tailPartial = offset + data.Length != end;
            if (tailPartial && (length > sectorSize || head == 0))
            {
                await device.ReadAsync(end - sectorSize, bounce.AsMemory(length - sectorSize, sectorSize), cancellationToken).ConfigureAwait(false);
            }

            data.Span.CopyTo(bounce.AsSpan(head));
            await device.WriteAsync(start, bounce.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bounce);
        }
    }

    /// <summary>The smallest whole-sector range holding [offset, offset + length).</summary>
    private static (long Start, long End) Widen(long offset, int length, int sectorSize)
    {
        long start = offset - (offset % sectorSize);
        long end = offset + length;
        long tail = end % sectorSize;
        return (start, tail == 0 ? end : end + sectorSize - tail);
    }
}
