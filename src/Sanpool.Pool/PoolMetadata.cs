using System.Globalization;
using Sanpool.Core;
using Sanpool.Storage.Metadata;

namespace Sanpool.Pool;

/// <summary>
/// The pool keys VDSM keeps in the master domain's metadata, typed:
/// <code>
/// POOL_UUID=&lt;pool&gt;                     on every domain of the pool
/// ROLE=Master                             Regular on the other domains
/// POOL_DESCRIPTION=&lt;text&gt;
/// MASTER_VERSION=&lt;n&gt;                    bumped whenever the master role moves
/// POOL_DOMAINS=&lt;sd&gt;:Active,&lt;sd&gt;:Attached
/// POOL_SPM_ID=&lt;host id&gt;                 -1: no SPM
/// POOL_SPM_LVER=&lt;lver&gt;                  the SDM lease version of the last SPM; -1 before any
/// </code>
/// </summary>
public sealed record PoolMetadata
{
    public const string PoolUuidKey = "POOL_UUID";
    public const string RoleKey = "ROLE";
    public const string DescriptionKey = "POOL_DESCRIPTION";
    public const string MasterVersionKey = "MASTER_VERSION";
    public const string DomainsKey = "POOL_DOMAINS";
    public const string SpmIdKey = "POOL_SPM_ID";
    public const string SpmLverKey = "POOL_SPM_LVER";
    public const string MasterRole = "Master";
    public const string RegularRole = "Regular";
    public const string Active = "Active";

    public required Guid Pool { get; init; }

    public string Description { get; init; } = "";

    public int MasterVersion { get; init; } = 1;

    /// <summary>The pool's domains and their status (Active, Attached), in the order written.</summary>
    public IReadOnlyDictionary<Guid, string> Domains { get; init; } = new Dictionary<Guid, string>();

    public int SpmId { get; init; } = -1;

    public long SpmLver { get; init; } = -1;

    /// <summary>Reads the pool keys of a master domain's metadata.</summary>
    /// <exception cref="SanpoolException">POOL_NOT_FOUND if the domain is not a pool's master.</exception>
    public static PoolMetadata From(DomainMetadata md, Guid domain)
    {
        ArgumentNullException.ThrowIfNull(md);
        if (md[RoleKey] != MasterRole || !Guid.TryParse(md[PoolUuidKey], out var pool))
        {
            throw new SanpoolException(PoolErrors.PoolNotFound, $"domain {domain} is not the master domain of a pool (ROLE={md[RoleKey]}, POOL_UUID={md[PoolUuidKey]})");
        }

        var domains = new Dictionary<Guid, string>();
        foreach (var item in (md[DomainsKey] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(':');
            if (parts.Length != 2 || !Guid.TryParse(parts[0], out var sd))
            {
                throw new SanpoolException(Storage.StorageErrors.MetadataInvalid, $"domain {domain}: {DomainsKey} entry '{item}' is not <sd uuid>:<status>");
            }

            domains[sd] = parts[1];
        }

        return new PoolMetadata
        {
            Pool = pool,
            Description = md[DescriptionKey] ?? "",
            MasterVersion = Int(md, MasterVersionKey, domain),
            Domains = domains,
            SpmId = Int(md, SpmIdKey, domain),
            SpmLver = Long(md, SpmLverKey, domain),
        };
    }

    /// <summary>The master domain's metadata with these pool keys written in.</summary>
    public DomainMetadata ApplyTo(DomainMetadata md)
    {
        ArgumentNullException.ThrowIfNull(md);
        return md.With(PoolUuidKey, Pool.ToString())
            .With(RoleKey, MasterRole)
            .With(DescriptionKey, Description)
            .With(MasterVersionKey, MasterVersion.ToString(CultureInfo.InvariantCulture))
            .With(DomainsKey, string.Join(",", Domains.Select(d => $"{d.Key}:{d.Value}")))
            .With(SpmIdKey, SpmId.ToString(CultureInfo.InvariantCulture))
            .With(SpmLverKey, SpmLver.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A regular member's metadata: its POOL_UUID and ROLE, and none of the master's keys.</summary>
    public static DomainMetadata AsMember(DomainMetadata md, Guid? pool)
    {
        ArgumentNullException.ThrowIfNull(md);
        return md.With(PoolUuidKey, pool?.ToString() ?? "")
            .With(RoleKey, RegularRole)
            .With(DescriptionKey, null)
            .With(MasterVersionKey, null)
            .With(DomainsKey, null)
            .With(SpmIdKey, null)
            .With(SpmLverKey, null);
    }

    private static int Int(DomainMetadata md, string key, Guid domain) => checked((int)Long(md, key, domain));

    private static long Long(DomainMetadata md, string key, Guid domain) =>
        long.TryParse(md[key], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new SanpoolException(Storage.StorageErrors.MetadataInvalid, $"domain {domain}: {key}={md[key]} is not a number");
}
