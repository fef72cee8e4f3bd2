using System.Collections.Immutable;
using System.Globalization;
using Sanpool.Core;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool;

/// <summary>
/// Which domain is a pool's master, as the domains themselves say: of the domains with
/// POOL_UUID = the pool and ROLE=Master, the one at the highest MASTER_VERSION. A master move
/// (<see cref="MasterMove"/>) writes the new master at version n+1 before it demotes the old one
/// at n, so a crash between the two leaves two claims and this rule picks the new one:
/// <code>
/// old  ROLE=Master MASTER_VERSION=n      old  ROLE=Master MASTER_VERSION=n    (stale)
/// new  ROLE=Regular                  ->  new  ROLE=Master MASTER_VERSION=n+1  (wins)
/// </code>
/// Two claims at the same highest version cannot come from a move (it refuses to run from a
/// master that another domain has superseded), so they are refused rather than guessed at.
/// </summary>
public static class MasterLookup
{
    /// <summary>The current master among already-read metadata; null if no domain claims to be the pool's master.</summary>
    /// <exception cref="SanpoolException">WRONG_MASTER if two domains claim the same highest MASTER_VERSION.</exception>
    public static MasterClaim? Choose(Guid pool, IEnumerable<(Guid Domain, DomainMetadata Metadata)> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var claims = domains.Where(d => IsMasterOf(d.Metadata, pool))
            .DistinctBy(d => d.Domain)
            .Select(d => new MasterClaim(d.Domain, PoolMetadata.From(d.Metadata, d.Domain)))
            .OrderByDescending(c => c.Pool.MasterVersion)
            .ToList();
        if (claims.Count > 1 && claims[0].Pool.MasterVersion == claims[1].Pool.MasterVersion)
        {
            throw new SanpoolException(PoolErrors.WrongMaster, string.Create(CultureInfo.InvariantCulture,
                $"pool {pool}: domains {claims[0].Domain} and {claims[1].Domain} both claim to be its master at MASTER_VERSION {claims[0].Pool.MasterVersion}; fix one by hand"));
        }

        return claims.Count == 0 ? null : claims[0];
    }

    /// <summary>The current master among open stores; a store whose metadata cannot be read is skipped.</summary>
    public static async Task<MasterClaim?> FindAsync(Guid pool, IEnumerable<IDomainManifest> stores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        var seen = new List<(Guid, DomainMetadata)>();
        foreach (var store in stores)
        {
            try
            {
                seen.Add((store.Info.Uuid, await store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false)));
            }
            catch (SanpoolException)
            {
                // Unreadable now: it cannot be the master this host would use anyway.
            }
        }

        return Choose(pool, seen);
    }

    /// <summary>
    /// The current master among <paramref name="known"/> and every domain <paramref name="locator"/>
    /// can reach (<see cref="ReachableAsync"/>), each opened, read and closed again.
    /// </summary>
    public static async Task<MasterClaim?> FindAsync(Guid pool, DomainLocator locator, IEnumerable<Guid> known, string runDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentNullException.ThrowIfNull(known);
        var seen = new List<(Guid, DomainMetadata)>();
        foreach (var domain in known.Concat(await ReachableAsync(locator, cancellationToken).ConfigureAwait(false)).Distinct())
        {
            try
            {
                await using var store = await locator.OpenAsync(domain, new QemuImg(), runDirectory, cancellationToken).ConfigureAwait(false);
                seen.Add((domain, await store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false)));
            }
            catch (SanpoolException)
            {
                // Unreachable or not a domain: skipped, as in the overload above.
            }
        }

        return Choose(pool, seen);
    }

    /// <summary>
    /// The domains <paramref name="locator"/> can see: directories named by a UUID with a
    /// <c>dom_md</c> under each file path, and VGs named by a UUID on the block devices.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> ReachableAsync(DomainLocator locator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var found = new List<Guid>();
        foreach (var path in locator.Paths.Where(Directory.Exists))
        {
            found.AddRange(Directory.EnumerateDirectories(path)
                .Select(d => Guid.TryParseExact(Path.GetFileName(d), "D", out var g) ? g : Guid.Empty)
                .Where(g => g != Guid.Empty && Directory.Exists(new FileDomainLayout(path, g).DomMd))
                .Order());
        }

        if (locator.Devices.Count > 0)
        {
            try
            {
                var vgs = await new LvmCommand(new LvmOptions([.. locator.Devices])).VgsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                found.AddRange(vgs.Select(vg => Guid.TryParseExact(vg.Name, "D", out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Order());
            }
            catch (SanpoolException)
            {
                // The devices cannot be read now: the file paths' domains are all we can offer.
            }
        }

        return found.Distinct().ToImmutableArray();
    }

    /// <summary>
    /// WRONG_MASTER for a domain that was the pool's master and is no longer: "pool P: domain X
    /// is no longer its master (MASTER_VERSION 3); the master is Y at version 4".
    /// </summary>
    /// <param name="version">The MASTER_VERSION the domain had (or the caller expected of it), if known.</param>
    /// <param name="current">The current master, if one could be found.</param>
    public static SanpoolException NoLongerMaster(Guid pool, Guid domain, int? version, MasterClaim? current)
    {
        string was = version is { } v ? string.Create(CultureInfo.InvariantCulture, $" (MASTER_VERSION {v})") : "";
        return new SanpoolException(PoolErrors.WrongMaster, $"pool {pool}: domain {domain} is no longer its master{was}; {Current(domain, current)}");
    }

    private static string Current(Guid domain, MasterClaim? current) =>
        current is null || current.Domain == domain
            ? "no domain this host can reach claims to be its master"
            : string.Create(CultureInfo.InvariantCulture, $"the master is {current.Domain} at version {current.Pool.MasterVersion}");

    /// <summary>WRONG_MASTER for a regular domain of the pool named as its master: "pool P: domain X is a regular domain of the pool, not its master; the master is Y at version 4".</summary>
    public static SanpoolException NotMaster(Guid pool, Guid domain, MasterClaim? current) =>
        new(PoolErrors.WrongMaster, $"pool {pool}: domain {domain} is a regular domain of the pool, not its master; {Current(domain, current)}");

    /// <summary>Whether <paramref name="md"/> says its domain is the master of <paramref name="pool"/>.</summary>
    public static bool IsMasterOf(DomainMetadata md, Guid pool)
    {
        ArgumentNullException.ThrowIfNull(md);
        return md[PoolMetadata.RoleKey] == PoolMetadata.MasterRole && md[PoolMetadata.PoolUuidKey] == pool.ToString();
    }
}
