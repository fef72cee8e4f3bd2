using System.Collections.Immutable;

namespace Sanpool.Storage.Domains;

/// <summary>
/// What a block domain is made of (VDSM's layout, format 5): one LVM VG per domain, named by
/// the domain's UUID, on up to <see cref="MaxPvs"/> LUNs.
/// <code>
/// VG &lt;sdUUID&gt;   extent 128 MiB; tag RHAT_storage_domain (…_UNREADY while being built)
///                 VG tags MDT_&lt;encoded KEY=VALUE&gt;: the domain metadata, sealed
///   PV0           VG metadata areas in use (2 x 128 MiB); PV1.. have them, ignored
///   metadata      128 MiB, PV0 extent 0: volume metadata slots (V5: 1 MiB + slot x 8 KiB)
///   ids             8 MiB: the lockspace (name = sdUUID) at 0
///   inbox, outbox  16 MiB each: the storage mailbox
///   leases        2048 x alignment: slot 1 = "SDM" (the SPM lease), volume leases from 100
///   xleases       1024 x alignment: external (VM) leases
///   master         1 GiB: VDSM puts an ext3 file system here for the SPM's master data
/// </code>
/// Each LV is rounded up to whole extents, so every small one takes 128 MiB; with 1 MiB
/// alignment the special LVs take 36 extents (4.5 GiB).
/// </summary>
public static class BlockDomainLayout
{
    public const long MiB = 1024 * 1024;

    public const long ExtentSize = 128 * MiB;

    /// <summary>Each of the two LVM metadata areas on every PV (VDSM's VG_METADATASIZE).</summary>
    public const long PvMetadataAreaSize = 128 * MiB;

    /// <summary>VDSM's hard limit on LUNs per domain.</summary>
    public const int MaxPvs = 10;

    public const string ReadyTag = "RHAT_storage_domain";
    public const string UnreadyTag = ReadyTag + "_UNREADY";

    public const string MetadataLv = "metadata";
    public const string IdsLv = "ids";
    public const string InboxLv = "inbox";
    public const string OutboxLv = "outbox";
    public const string LeasesLv = "leases";
    public const string XleasesLv = "xleases";
    public const string MasterLv = "master";

    public const long MetadataLvSize = 128 * MiB;
    public const long IdsLvSize = 8 * MiB;
    public const long MailboxLvSize = 16 * MiB;
    public const long MasterLvSize = 1024 * MiB;
    public const int LeasesSlots = 2048;
    public const int XleasesSlots = 1024;

    /// <summary>The start of the metadata LV zeroed at creation: V4's 1 MiB and V5's 16 MiB of slots.</summary>
    public const long MetadataReservedSize = 17 * MiB;

    /// <summary>The special LVs in the order they are created; the metadata LV first, so it gets PV0's extent 0.</summary>
    public static readonly ImmutableArray<string> SpecialLvs = [MetadataLv, IdsLv, InboxLv, OutboxLv, LeasesLv, XleasesLv, MasterLv];

    /// <summary>The size asked for special LV <paramref name="lv"/> (before LVM rounds it up to extents).</summary>
    public static long SizeOf(string lv, int alignment) => lv switch
    {
        MetadataLv => MetadataLvSize,
        IdsLv => IdsLvSize,
        InboxLv or OutboxLv => MailboxLvSize,
        LeasesLv => (long)LeasesSlots * alignment,
        XleasesLv => (long)XleasesSlots * alignment,
        MasterLv => MasterLvSize,
        _ => throw new ArgumentOutOfRangeException(nameof(lv), lv, "not a special LV"),
    };

    /// <summary>Extents the special LVs take together.</summary>
    public static long SpecialExtents(int alignment) =>
        SpecialLvs.Sum(lv => (SizeOf(lv, alignment) + ExtentSize - 1) / ExtentSize);

    /// <summary>
    /// A conservative count of the extents a device of <paramref name="deviceSize"/> bytes
    /// gives: both metadata areas and the label area (1 MiB) are taken off first.
    /// </summary>
    public static long UsableExtents(long deviceSize) =>
        Math.Max(0, (deviceSize - (2 * PvMetadataAreaSize) - MiB) / ExtentSize);
}
