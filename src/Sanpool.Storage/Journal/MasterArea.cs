namespace Sanpool.Storage.Journal;

/// <summary>
/// The master area of a domain: what its writer (and, on the pool's master domain, the SPM
/// and every host) keeps outside the volume metadata. File domains: the file
/// <c>master/journal</c>. Block domains: the start of the <c>master</c> LV, which holds no file
/// system here (there is no device-mapper to mount it through), read and written with direct
/// I/O through the LV's extent map.
/// <code>
/// 0       2 MiB   journal        16 slots  x 2 copies x 64 KiB   one operation in flight each
/// 2 MiB   2 MiB   tasks         128 slots  x 2 copies x  8 KiB   the pool's persisted SPM tasks
/// 4 MiB   2 MiB   host reports  256 slots  x 2 copies x  4 KiB   slot = host id; written by that host only
/// 6 MiB           end
/// </code>
/// Each area is a <see cref="SlotArea"/>: every update writes the copy that does not hold the
/// newest valid record, so a torn write can only lose the update being made.
/// </summary>
public static class MasterArea
{
    public const string FileName = "journal";

    private const int KiB = 1024;

    public static SlotAreaLayout Journal { get; } = new("journal", "SPJRNL01"u8.ToArray(), 0, 16, 64 * KiB);

    public static SlotAreaLayout Tasks { get; } = new("tasks", "SPTASK01"u8.ToArray(), Journal.End, 128, 8 * KiB);

    public static SlotAreaLayout HostReports { get; } = new("host reports", "SPHOST01"u8.ToArray(), Tasks.End, 256, 4 * KiB);

    public static long Size => HostReports.End;
}
