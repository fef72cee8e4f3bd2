namespace Sanpool.Storage.Journal;

/// <summary>Where a <see cref="SlotArea"/> sits in its device and how it is cut up.</summary>
public sealed record SlotAreaLayout(string Name, byte[] Magic, long Start, int Slots, int CopySize)
{
    public long Size => (long)Slots * 2 * CopySize;

    public long End => Start + Size;

    public long Offset(int slot, int copy)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        ArgumentOutOfRangeException.ThrowIfNegative(copy);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(copy, 1);
        return Start + (((long)slot * 2 + copy) * CopySize);
    }
}
