using Sanpool.BlockIO;

namespace Sanpool.DataPath;

/// <summary>
/// One regular file of the mount: a volume backed by an <see cref="IBlockDevice"/> whose size
/// is fixed. It has its own FUSE node id; replacing a volume (after an LV was extended) makes
/// a new <see cref="VolumeFile"/> under the same name, and files already open keep the old one.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "its semaphores and token sources hold nothing to release: no AvailableWaitHandle, no CancelAfter timer; they live as long as the object")]
internal sealed class VolumeFile
{
    /// <summary>rw-rw---- : root and the disk group, as VDSM leaves volume files.</summary>
    private const uint FileMode = 0x1B0;
    private const uint StatBlockSize = 512;

    // Writes are serialised because two read-modify-writes of one sector race:
    //   A reads sector S            B reads sector S
    //   A patches bytes 0..99       B patches bytes 100..199
    //   A writes S                  B writes S   <- A's bytes 0..99 are lost
    // Reads take no lock: a read racing a write of the same bytes may see either, as on a disk.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public VolumeFile(string name, ulong nodeId, IBlockDevice device, bool readOnly, DateTimeOffset addedAt)
    {
        Name = name;
        NodeId = nodeId;
        Device = device;
        ReadOnly = readOnly;
        AddedAt = addedAt;
    }

    public string Name { get; }

    public ulong NodeId { get; }

    public IBlockDevice Device { get; }

    public bool ReadOnly { get; }

    public DateTimeOffset AddedAt { get; }

    /// <summary>LOOKUP replies the kernel still holds; changed only under the <see cref="VolumeDirectory"/> lock.</summary>
    public ulong Lookups { get; set; }

    /// <summary>Still listed under its name; changed only under the <see cref="VolumeDirectory"/> lock.</summary>
    public bool Linked { get; set; } = true;

    public FuseAttr Attributes()
    {
        long size = Device.Size;
        return new FuseAttr(
            NodeId, (ulong)size, (ulong)size / StatBlockSize, AddedAt.ToUnixTimeSeconds(), 0,
            FuseAttr.RegularType | FileMode, LinkCount: 1, Uid: 0, Gid: 0, BlockSize: (uint)Math.Max(Device.SectorSize, 4096));
    }

    /// <summary>Reads up to the end of the volume; returns the bytes read (0 at or past the end).</summary>
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        int length = Clip(offset, destination.Length);
        if (length > 0)
        {
            await SectorAlignedIo.ReadAsync(Device, offset, destination[..length], cancellationToken).ConfigureAwait(false);
        }

        return length;
    }

    /// <summary>
    /// Writes what fits before the end of the volume and returns its length: a write that starts
    /// at or past the end writes nothing, because a volume never grows.
    /// </summary>
    public async ValueTask<int> WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int length = Clip(offset, data.Length);
        if (length == 0)
        {
            return 0;
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SectorAlignedIo.WriteAsync(Device, offset, data[..length], cancellationToken).ConfigureAwait(false);
            return length;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private int Clip(long offset, int length)
    {
        long size = Device.Size;
        return offset < 0 || offset >= size ? 0 : (int)Math.Min(length, size - offset);
    }
}
