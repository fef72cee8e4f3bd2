namespace Sanpool.Nbd;

/// <summary>Limits of an <see cref="NbdServer"/>.</summary>
public sealed record NbdServerOptions
{
    /// <summary>
    /// The largest read or write payload (NBD_INFO_BLOCK_SIZE maximum). 32 MiB is what qemu
    /// itself caps requests at, so larger buys nothing.
    /// </summary>
    public int MaxPayload { get; init; } = 32 * 1024 * 1024;

    /// <summary>Requests handled at once per connection (qemu pipelines up to 16).</summary>
    public int MaxInFlight { get; init; } = 16;

    /// <summary>A client that has not finished its handshake by then is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>SO_SNDBUF / SO_RCVBUF of each connection (the kernel may cap them).</summary>
    public int SocketBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Advertise NBD_FLAG_CAN_MULTI_CONN. Safe because every connection of an export shares one
    /// <see cref="INbdExport"/>, whose FlushAsync makes every completed write stable, whichever
    /// connection wrote it.
    /// </summary>
    public bool MultiConn { get; init; } = true;

    /// <summary>Pooled buffer memory kept for reuse across all connections.</summary>
    public long PoolRetainedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The same failure of one export is logged at most once per this period.</summary>
    public TimeSpan LogRepeatPeriod { get; init; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (MaxPayload < 4096 || (MaxPayload & (MaxPayload - 1)) != 0 || MaxInFlight < 1 || SocketBufferSize < 4096)
        {
            throw new ArgumentException("MaxPayload must be a power of two >= 4096, MaxInFlight >= 1, SocketBufferSize >= 4096");
        }
    }
}
