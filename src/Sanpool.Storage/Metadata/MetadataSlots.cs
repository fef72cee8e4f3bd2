namespace Sanpool.Storage.Metadata;

/// <summary>
/// Where volume metadata lives in a block domain's metadata LV, format 5: slot s at
/// 1 MiB + s x 8 KiB, slots from 1. A volume's slot is its LV tag <c>MD_&lt;slot&gt;</c>; a free
/// slot is the lowest number no MD_ tag uses. Its lease is at (100 + s) x alignment in the
/// leases LV.
/// </summary>
public static class MetadataSlots
{
    public const long Base = 1024 * 1024;
    public const int SlotSize = 8192;
    public const int FirstSlot = 1;
    public const int ReservedLeaseSlots = 100;

    public static long Offset(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slot, FirstSlot);
        return Base + ((long)slot * SlotSize);
    }

    /// <summary>How many slots a metadata LV of <paramref name="lvSize"/> bytes holds.</summary>
    public static int Capacity(long lvSize) => (int)Math.Max(0, (lvSize - Base) / SlotSize) - FirstSlot;

    /// <summary>The lowest slot no volume uses.</summary>
    public static int FirstFree(IEnumerable<int> used)
    {
        var taken = used.ToHashSet();
        int s = FirstSlot;
        while (taken.Contains(s))
        {
            s++;
        }

        return s;
    }

    /// <summary>The volume lease's offset in the leases LV.</summary>
    public static long LeaseOffset(int slot, int alignment) => (long)(ReservedLeaseSlots + slot) * alignment;
}
