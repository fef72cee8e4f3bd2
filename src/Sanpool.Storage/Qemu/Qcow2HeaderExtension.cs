namespace Sanpool.Storage.Qemu;

/// <summary>
/// One qcow2 header extension as stored: its type and its data (without the padding to a
/// multiple of 8). Kept verbatim so that a header can be written back byte for byte, including
/// extensions Sanpool does not interpret (bitmaps, encryption, external data file).
/// </summary>
public sealed record Qcow2HeaderExtension
{
    public Qcow2HeaderExtension(uint type, ReadOnlySpan<byte> data)
    {
        Type = type;
        _data = data.ToArray();
    }

    private readonly byte[] _data;

    public uint Type { get; }

    public ReadOnlyMemory<byte> Data => _data;

    public bool Equals(Qcow2HeaderExtension? other) =>
        other is not null && Type == other.Type && _data.AsSpan().SequenceEqual(other._data);

    public override int GetHashCode() => HashCode.Combine(Type, _data.Length);

    public override string ToString() => $"extension 0x{Type:x8} ({_data.Length} bytes)";
}
