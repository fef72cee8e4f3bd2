namespace Sanpool.BlockIO;

/// <summary>The storage behind <see cref="MemoryBlockDevice"/>s: a byte array and a lock.</summary>
public sealed class MemoryDisk
{
    private readonly byte[] _bytes;
    private readonly Lock _lock = new();

    public MemoryDisk(long size, int sectorSize = 512, string name = "memory")
    {
        if (sectorSize is not (512 or 4096))
        {
            throw new ArgumentOutOfRangeException(nameof(sectorSize), "sector size must be 512 or 4096");
        }

        _bytes = new byte[size];
        SectorSize = sectorSize;
        Name = name;
    }

    public string Name { get; }

    public int SectorSize { get; }

    public long Size => _bytes.LongLength;

    public MemoryBlockDevice Open() => new(this);

    public void Read(long offset, Span<byte> buffer)
    {
        lock (_lock)
        {
            _bytes.AsSpan(checked((int)offset), buffer.Length).CopyTo(buffer);
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            data.CopyTo(_bytes.AsSpan(checked((int)offset), data.Length));
        }
    }

    /// <summary>A copy of a range, for assertions.</summary>
    public byte[] Snapshot(long offset, int length)
    {
        var copy = new byte[length];
        Read(offset, copy);
        return copy;
    }
}
