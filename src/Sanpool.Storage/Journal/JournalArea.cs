namespace Sanpool.Storage.Journal;

/// <summary>
/// Where the journal lives on a domain and how it is cut up. File domains: the file
/// <c>master/journal</c>. Block domains: the start of the <c>master</c> LV, which holds no file
/// system here (there is no device-mapper to mount it through), read and written with direct
/// I/O through the LV's extent map.
/// <code>
/// offset 0                                                         Size = 2 MiB
/// | slot 0 copy A | slot 0 copy B | slot 1 copy A | ... | slot 15 copy B |
///   64 KiB each
/// </code>
/// One slot per operation in flight. Each update writes the copy that does not hold the
/// newest valid record, so a torn write can only lose the update being made, never the last
/// complete record (<see cref="JournalRecord"/>).
/// </summary>
public static class JournalArea
{
    public const string FileName = "journal";
    public const int Slots = 16;
    public const int CopySize = 64 * 1024;
    public const long Size = (long)Slots * 2 * CopySize;

    public static long Offset(int slot, int copy)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        ArgumentOutOfRangeException.ThrowIfNegative(copy);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(copy, 1);
        return ((long)slot * 2 + copy) * CopySize;
    }
}
