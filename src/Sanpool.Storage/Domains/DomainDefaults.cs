using System.Globalization;
using Sanpool.Leases;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Domains;

/// <summary>
/// What file and block domains share: the format version Sanpool writes, the lease timing
/// VDSM's defaults give every new domain, and the metadata keys common to both.
/// </summary>
public static class DomainDefaults
{
    public const int FormatVersion = 5;

    /// <summary>sanlock's io_timeout for the domain's leases (IOOPTIMEOUTSEC).</summary>
    public const int IoTimeout = 10;

    /// <summary>
    /// Sanpool's key for the watchdog margin in host_dead (<see cref="DomainInfo.WatchdogFireTimeout"/>).
    /// Absent on a domain made with sanlock's 60 s, so such a domain's keys are VDSM's own.
    /// </summary>
    public const string WatchdogKey = "WATCHDOGTIMEOUTSEC";

    /// <summary>
    /// Sanpool's key for the domain's default of wipe-after-delete ("true"; absent when false,
    /// so such a domain's keys are VDSM's own). oVirt keeps it per disk in its database and
    /// passes VDSM postZero; Sanpool has no such database, so the domain holds the default and
    /// each delete may say otherwise. Volume metadata has no room for it: VDSM rewrites a
    /// volume's record with its known keys only, and a 512-byte record with a full description
    /// has no spare bytes.
    /// </summary>
    public const string WipeAfterDeleteKey = "WIPEAFTERDELETE";

    /// <summary>Sanpool's key for discard-after-delete, a domain setting as in oVirt ("true"; absent when false).</summary>
    public const string DiscardAfterDeleteKey = "DISCARDAFTERDELETE";

    /// <summary>
    /// Sets the domain's defaults for what happens to a deleted volume's extents
    /// (<see cref="DomainInfo.WipeAfterDelete"/>, <see cref="DomainInfo.DiscardAfterDelete"/>);
    /// by its writer, or while no host uses the domain (at creation).
    /// </summary>
    public static async Task SetDeleteDefaultsAsync(Volumes.IDomainManifest store, bool wipe, bool discard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var md = await store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        md = md.With(WipeAfterDeleteKey, wipe ? "true" : null).With(DiscardAfterDeleteKey, discard ? "true" : null);
        await store.WriteDomainMetadataAsync(md, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a host's fencing adds to KillGrace: the SPM role's lease check runs once a second, and a kill takes a moment.</summary>
    private const int FencingStepSeconds = 2;

    /// <summary>
    /// Records a watchdog margin shorter than sanlock's 60 s in a new domain's metadata (test
    /// pools: host_dead at io_timeout 1 becomes 8 + <paramref name="seconds"/> instead of 68).
    /// Only while no host uses the domain: every host must read the same value when it joins.
    /// Hosts of such a domain cannot share it with the real sanlock, which always uses 60.
    /// </summary>
    public static async Task SetWatchdogAsync(Volumes.IDomainManifest store, int seconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (CheckWatchdog(seconds, store.Info.IoTimeout) is { } why)
        {
            throw Core.CommonErrors.Invalid($"domain {store.Info.Uuid}: {why}");
        }

        var md = await store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        string? value = seconds == LeaseTimeouts.DefaultWatchdogFireTimeout ? null : seconds.ToString(CultureInfo.InvariantCulture);
        await store.WriteDomainMetadataAsync(md.With(WatchdogKey, value), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Why <paramref name="seconds"/> cannot be a domain's watchdog margin at
    /// <paramref name="ioTimeout"/>; null if it can. A host whose renewal fails kills its lease
    /// holders from IdRenewalFail (8 io) and has them dead within KillGrace; host_dead
    /// (8 io + margin) must come later, with two io_timeouts to spare.
    /// </summary>
    public static string? CheckWatchdog(int seconds, int ioTimeout)
    {
        int fencing = (int)new LeaseTimeouts(ioTimeout).KillGrace.TotalSeconds + FencingStepSeconds;
        int least = fencing + (2 * ioTimeout);
        return seconds < least || seconds > LeaseTimeouts.DefaultWatchdogFireTimeout
            ? $"the watchdog margin must be {least}..{LeaseTimeouts.DefaultWatchdogFireTimeout} s at io_timeout {ioTimeout} " +
              $"(fencing ends up to {fencing} s after renewal fails, and must end two io_timeouts before host_dead)"
            : null;
    }

    /// <summary>VDSM's limit on DESCRIPTION.</summary>
    public const int MaxDescription = 50;

    /// <summary>
    /// The keys every V5 domain has. The caller adds its kind's own: REMOTE_PATH for a file
    /// domain; VGUUID and PVn for a block domain. (LOGBLKSIZE and PHYBLKSIZE are V4 keys that
    /// VDSM drops when it converts a block domain to V5; BLOCK_SIZE and ALIGNMENT replace them.)
    /// </summary>
    public static Dictionary<string, string> CommonKeys(Guid uuid, string type, string description, LeaseGeometry geometry, int ioTimeout = IoTimeout)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ALIGNMENT"] = geometry.Alignment.ToString(CultureInfo.InvariantCulture),
            ["BLOCK_SIZE"] = geometry.SectorSize.ToString(CultureInfo.InvariantCulture),
            ["CLASS"] = "Data",
            ["DESCRIPTION"] = description,
            ["IOOPTIMEOUTSEC"] = ioTimeout.ToString(CultureInfo.InvariantCulture),
            ["LEASERETRIES"] = "3",
            ["LEASETIMESEC"] = "60",
            ["LOCKPOLICY"] = "",
            ["LOCKRENEWALINTERVALSEC"] = "5",
            ["POOL_UUID"] = "",
            ["ROLE"] = "Regular",
            ["SDUUID"] = uuid.ToString(),
            ["TYPE"] = type,
            ["VERSION"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Checks a description before anything is written.</summary>
    public static void CheckDescription(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (description.Length > MaxDescription)
        {
            throw Core.CommonErrors.Invalid($"the name is {description.Length} characters; at most {MaxDescription}");
        }
    }
}
