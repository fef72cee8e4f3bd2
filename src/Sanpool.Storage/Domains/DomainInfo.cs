using System.Globalization;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Domains;

/// <summary>What a domain's metadata says about it, typed.</summary>
public sealed record DomainInfo(Guid Uuid, string Type, string Role, string Description, int Version, int BlockSize, int Alignment, int IoTimeout, string? Pool)
{
    /// <summary>
    /// The watchdog margin in host_dead (8 x io_timeout + this), from WATCHDOGTIMEOUTSEC: 60
    /// (sanlock's wdmd) unless the domain was made with a shorter one, for test pools. Every
    /// host reads it from the metadata, so all agree on when a silent host is dead.
    /// </summary>
    public int WatchdogFireTimeout { get; init; } = LeaseTimeouts.DefaultWatchdogFireTimeout;

    /// <summary>
    /// Whether a deleted volume's extents are zeroed before its LV is removed, unless the delete
    /// says otherwise (<see cref="Operations.DeleteOptions.Wipe"/>); from WIPEAFTERDELETE, absent = false.
    /// </summary>
    public bool WipeAfterDelete { get; init; }

    /// <summary>
    /// Whether a deleted volume's extents are discarded before its LV is removed (oVirt's
    /// discard-after-delete, a domain setting); from DISCARDAFTERDELETE, absent = false.
    /// </summary>
    public bool DiscardAfterDelete { get; init; }

    /// <summary>Every lease delay of the domain's lockspace, from its io_timeout and watchdog margin.</summary>
    public LeaseTimeouts Timeouts => new(IoTimeout, WatchdogFireTimeout);

    public static DomainInfo From(DomainMetadata md)
    {
        ArgumentNullException.ThrowIfNull(md);
        var info = new DomainInfo(
            Guid.Parse(md["SDUUID"] ?? ""),
            md["TYPE"] ?? "",
            md["ROLE"] ?? "",
            md["DESCRIPTION"] ?? "",
            int.Parse(md["VERSION"] ?? "0", CultureInfo.InvariantCulture),
            int.Parse(md["BLOCK_SIZE"] ?? "512", CultureInfo.InvariantCulture),
            int.Parse(md["ALIGNMENT"] ?? "1048576", CultureInfo.InvariantCulture),
            int.Parse(md["IOOPTIMEOUTSEC"] ?? "10", CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(md["POOL_UUID"]) ? null : md["POOL_UUID"]);
        if (md[DomainDefaults.WatchdogKey] is { Length: > 0 } text)
        {
            int seconds = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : -1;
            if (DomainDefaults.CheckWatchdog(seconds, info.IoTimeout) is { } why)
            {
                // A margin too short would let another host take a lease before this one has fenced itself.
                throw new SanpoolException(StorageErrors.MetadataInvalid, $"domain {info.Uuid}: {DomainDefaults.WatchdogKey}={text}: {why}");
            }

            info = info with { WatchdogFireTimeout = seconds };
        }

        return info with
        {
            WipeAfterDelete = md[DomainDefaults.WipeAfterDeleteKey] == "true",
            DiscardAfterDelete = md[DomainDefaults.DiscardAfterDeleteKey] == "true",
        };
    }
}
