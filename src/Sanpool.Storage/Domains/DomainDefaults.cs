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
