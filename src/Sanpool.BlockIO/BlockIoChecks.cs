using Sanpool.Core;

namespace Sanpool.BlockIO;

/// <summary>Argument checks that every implementation applies the same way.</summary>
internal static class BlockIoChecks
{
    public static void Check(IBlockDevice device, long offset, int length) => Check(device, offset, (long)length);

    public static void Check(IBlockDevice device, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > device.Size)
        {
            throw new SanpoolException(BlockIoErrors.OutOfRange,
                $"I/O of {length} bytes at {offset} is outside {device.Path} (size {device.Size})");
        }

        if (offset % device.SectorSize != 0 || length % device.SectorSize != 0)
        {
            throw new SanpoolException(BlockIoErrors.Unaligned,
                $"I/O of {length} bytes at {offset} on {device.Path} is not aligned to its {device.SectorSize}-byte sectors");
        }
    }
}
