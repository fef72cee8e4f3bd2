using Sanpool.Core;

namespace Sanpool.BlockIO;

/// <summary>
/// I/O with a deadline, as sanlock bounds every lease I/O by io_timeout. The data lands in a
/// buffer owned by this call and is handed back only on success, so an I/O that completes
/// after its deadline can never write into memory the caller has moved on with.
/// </summary>
public static class TimedIo
{
    public static async Task<byte[]> ReadAsync(this IBlockDevice device, long offset, int length, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[length];
        await WithTimeout(device.ReadAsync(offset, buffer, cancellationToken), device, "read", offset, timeout, cancellationToken)
            .ConfigureAwait(false);
        return buffer;
    }

    public static Task WriteAsync(this IBlockDevice device, long offset, byte[] data, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // The array is not written again by the caller while a late write could still read it:
        // callers build a fresh array for each write.
        return WithTimeout(device.WriteAsync(offset, data, cancellationToken), device, "write", offset, timeout, cancellationToken);
    }

    private static async Task WithTimeout(ValueTask io, IBlockDevice device, string what, long offset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await io.AsTask().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new SanpoolException(BlockIoErrors.IoTimeout,
                $"{what} at {offset} on {device.Path} did not complete within {timeout.TotalSeconds:0.###} s", isTransient: true);
        }
    }
}
