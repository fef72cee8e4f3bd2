namespace Sanpool.BlockIO;

/// <summary>
/// A device whose every write first asks <see cref="Fence"/>, which throws once the writer may
/// no longer write (its lease is gone): a volume handed to qemu-img over FUSE keeps working
/// while the lease holds and refuses the next write (EIO to qemu) the moment it does not, even
/// if qemu-img itself was not stopped in time. Reads are not fenced. Disposing disposes the
/// inner device.
/// </summary>
public sealed class FencedBlockDevice(IBlockDevice inner, Action fence) : IBlockDevice
{
    public Action Fence { get; } = fence;

    public string Path => inner.Path;

    public int SectorSize => inner.SectorSize;

    public long Size => inner.Size;

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(offset, buffer, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Fence();
        return inner.WriteAsync(offset, data, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
