using Sanpool.Nbd;

namespace Sanpool.DataPath.Tests;

/// <summary>Bytes written to and read from an <see cref="INbdExport"/> by the LV export tests.</summary>
internal static class ExportBytes
{
    public static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    /// <summary>A block that names its own offset in every 8 bytes, so a misplaced block is seen.</summary>
    public static byte[] Stamp(long offset, int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i += 8)
        {
            BitConverter.TryWriteBytes(data.AsSpan(i), offset + i);
        }

        return data;
    }

    public static async Task<byte[]> ReadAsync(INbdExport export, long offset, int length)
    {
        var buffer = new byte[length];
        await export.ReadAsync(offset, buffer, default);
        return buffer;
    }

    /// <summary>
    /// A sequential writer of stamped blocks up to <paramref name="target"/> that, like qemu with
    /// werror=enospc, retries a block refused for space until the export has grown; returns how
    /// many writes were refused.
    /// </summary>
    public static Task<int> WriteThroughRefusalsAsync(INbdExport export, long target, int block) => Task.Run(async () =>
    {
        int refused = 0;
        for (long offset = 0; offset < target; offset += block)
        {
            while (true)
            {
                try
                {
                    await export.WriteAsync(offset, Stamp(offset, block), fua: false, default);
                    break;
                }
                catch (NbdExportException e) when (e.Errno == NbdErrno.ENOSPC)
                {
                    refused++;
                    await Task.Delay(2);
                }
            }
        }

        return refused;
    });
}
