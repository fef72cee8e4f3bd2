using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Storage.Journal;

/// <summary>
/// Slots of small JSON records, two copies each (<see cref="SlotRecord"/>): a write goes to the
/// copy that does not hold the newest valid record, so a crash mid-write leaves the previous
/// record readable. One writer per slot; nothing here locks.
/// </summary>
public sealed class SlotArea
{
    private readonly IBlockDevice _device;
    private readonly ulong[] _sequence;
    private readonly int[] _newestCopy;

    public SlotArea(IBlockDevice device, SlotAreaLayout layout)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(layout);
        if (device.Size < layout.End)
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"{layout.Name} area of {device.Path}: the device is {device.Size} bytes; needs {layout.End}");
        }

        _device = device;
        Layout = layout;
        _sequence = new ulong[layout.Slots];
        _newestCopy = new int[layout.Slots];
    }

    public SlotAreaLayout Layout { get; }

    public string Where => $"{Layout.Name} area of {_device.Path}";

    /// <summary>Reads one slot: its newest valid body, or null if it is free or was never written.</summary>
    public async Task<byte[]?> ReadAsync(int slot, CancellationToken cancellationToken)
    {
        SlotRecord? newest = null;
        using var buffer = new AlignedBuffer(Layout.CopySize);
        for (int copy = 0; copy < 2; copy++)
        {
            await _device.ReadAsync(Layout.Offset(slot, copy), buffer.Memory, cancellationToken).ConfigureAwait(false);
            var record = SlotRecord.TryRead(buffer.GetSpan(), Layout.Magic);
            if (record is not null && (newest is null || record.Sequence > newest.Sequence))
            {
                newest = record;
                _newestCopy[slot] = copy;
            }
        }

        _sequence[slot] = Math.Max(_sequence[slot], newest?.Sequence ?? 0);
        return newest is { IsFree: false } ? newest.Body : null;
    }

    /// <summary>Reads every slot, in slot order.</summary>
    public async Task<IReadOnlyList<byte[]?>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var bodies = new byte[]?[Layout.Slots];
        for (int slot = 0; slot < Layout.Slots; slot++)
        {
            bodies[slot] = await ReadAsync(slot, cancellationToken).ConfigureAwait(false);
        }

        return bodies;
    }

    /// <summary>Writes <paramref name="body"/> into the slot; an empty body frees it.</summary>
    public async Task WriteAsync(int slot, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var record = new SlotRecord(_sequence[slot] + 1, body);
        int copy = 1 - _newestCopy[slot];
        using var buffer = new AlignedBuffer(Layout.CopySize);
        record.Write(buffer.GetSpan(), Layout.Magic);
        await _device.WriteAsync(Layout.Offset(slot, copy), buffer.Memory, cancellationToken).ConfigureAwait(false);
        _sequence[slot] = record.Sequence;
        _newestCopy[slot] = copy;
    }
}
