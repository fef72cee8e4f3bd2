using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// Reads an existing pool through one of its hosts into the database: the pool's keys
/// (<c>pool.info</c>) become <c>storage_pool</c>, each domain (<c>domain.info</c>)
/// <c>storage_domain_static</c>/<c>_dynamic</c> and its <c>storage_pool_iso_map</c> row, and every
/// image of an active domain (<c>domain.volumes</c>) a <c>base_disks</c> row with one
/// <c>images</c> row per volume of its chain.
/// <para>
/// Idempotent: what is in the database already is kept (a known pool keeps its name, a known
/// disk its rows; the domain's master role and its status in the pool follow the storage), so
/// a second import writes nothing unless the storage changed. Bringing known disks back in line
/// with the storage is reconciliation's job, not this one's. A disk whose chain is broken or has
/// a volume without readable metadata is left out, and named in the result.
/// </para>
/// </summary>
public sealed class PoolImport(EngineDatabase db, IAgentCaller agents, ILogger<PoolImport> logger)
{
    /// <summary>The oVirt API level whose shape the data center follows.</summary>
    public const string CompatibilityVersion = "4.7";

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);

    public async Task<PoolImportResult> ImportAsync(AgentLink host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var keys = await agents.CallAsync(host, AgentVerbs.PoolInfo, new PoolInfoRequest(), ReadTimeout, cancellationToken).ConfigureAwait(false);
        var infos = new List<DomainInfoReply>();
        foreach (var domain in keys.Domains.Keys.Order())
        {
            infos.Add(await agents.CallAsync(host, AgentVerbs.DomainInfo, new DomainInfoRequest(domain), ReadTimeout, cancellationToken).ConfigureAwait(false));
        }

        var pool = await db.Pools.GetPoolAsync(keys.Pool, cancellationToken).ConfigureAwait(false);
        bool poolAdded = pool is null;
        var now = db.Clock.GetUtcNow();
        if (pool is null)
        {
            pool = new StoragePool(
                keys.Pool, ShortName(keys.Pool), keys.Description.Length == 0 ? null : keys.Description, StoragePoolStatus.Uninitialized,
                keys.MasterVersion, null, CompatibilityVersion, now, null);
            await db.Pools.InsertPoolAsync(pool, cancellationToken).ConfigureAwait(false);
        }
        else if (pool.MasterDomainVersion != keys.MasterVersion)
        {
            await db.Pools.UpdatePoolAsync(pool with { MasterDomainVersion = keys.MasterVersion }, cancellationToken).ConfigureAwait(false);
        }

        int domainsAdded = 0;
        var attached = (await db.Pools.ListIsoMapAsync(pool.Id, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.StorageId);
        foreach (var info in infos)
        {
            if (await SaveDomainAsync(info, now, cancellationToken).ConfigureAwait(false))
            {
                domainsAdded++;
            }

            var status = keys.Domains[info.Uuid] == "Active" ? StorageDomainStatus.Active : StorageDomainStatus.Maintenance;
            if (!attached.TryGetValue(info.Uuid, out var map))
            {
                await db.Pools.AttachDomainAsync(new StoragePoolIsoMap(info.Uuid, pool.Id, status), cancellationToken).ConfigureAwait(false);
            }
            else if (map.Status != status)
            {
                await db.Pools.SetDomainStatusAsync(info.Uuid, pool.Id, status, cancellationToken).ConfigureAwait(false);
            }
        }

        int disksAdded = 0;
        var skipped = new List<string>();
        foreach (var domain in keys.Domains.Where(d => d.Value == "Active").Select(d => d.Key).Order())
        {
            var volumes = await agents.CallAsync(host, AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), ReadTimeout, cancellationToken).ConfigureAwait(false);
            disksAdded += await SaveDisksAsync(pool.Id, volumes, now, skipped, cancellationToken).ConfigureAwait(false);
        }

        HostsLog.Imported(logger, pool.Id, host.Address, domainsAdded, disksAdded, skipped.Count);
        if (poolAdded)
        {
            await EngineEvents.PoolAsync(
                db, EngineEventType.DATA_CENTER_IMPORTED, AuditLogSeverity.NORMAL,
                $"Data center {pool.Name} ({pool.Id}) imported through {host.Address}: {infos.Count} storage domain(s), {disksAdded} disk(s)",
                pool, cancellationToken).ConfigureAwait(false);
        }

        return new PoolImportResult(pool.Id, poolAdded, domainsAdded, disksAdded, skipped);
    }

    /// <summary>
    /// Reads one domain of <paramref name="poolId"/> through <paramref name="host"/>: its
    /// <c>storage_domain_static</c> row (added, or its master role brought in line), and each of
    /// its images not in the database yet as a disk. Returns how many disks were added; its
    /// <c>storage_pool_iso_map</c> row is the caller's (an attach writes it).
    /// </summary>
    public async Task<int> ImportDomainAsync(AgentLink host, Guid poolId, Guid domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var info = await agents.CallAsync(host, AgentVerbs.DomainInfo, new DomainInfoRequest(domain), ReadTimeout, cancellationToken).ConfigureAwait(false);
        var now = db.Clock.GetUtcNow();
        await SaveDomainAsync(info, now, cancellationToken).ConfigureAwait(false);
        var volumes = await agents.CallAsync(host, AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), ReadTimeout, cancellationToken).ConfigureAwait(false);
        var skipped = new List<string>();
        return await SaveDisksAsync(poolId, volumes, now, skipped, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a domain the engine does not know yet from what <c>domain.info</c> says of it (false if it is known).</summary>
    public Task<bool> AddDomainAsync(DomainInfoReply info, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        return SaveDomainAsync(info, db.Clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>"the pool uuid's first 8 characters": how an imported data center is named until someone renames it.</summary>
    public static string ShortName(Guid id) => id.ToString("N", CultureInfo.InvariantCulture)[..8];

    /// <summary>Adds the domain if it is new (true), else brings its master role in line with the storage.</summary>
    private async Task<bool> SaveDomainAsync(DomainInfoReply info, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var type = string.Equals(info.Role, "Master", StringComparison.OrdinalIgnoreCase) ? StorageDomainType.Master : StorageDomainType.Data;
        var known = await db.Pools.GetDomainAsync(info.Uuid, cancellationToken).ConfigureAwait(false);
        if (known is not null)
        {
            if (known.StorageDomainType != type)
            {
                await db.Pools.UpdateDomainAsync(known with { StorageDomainType = type }, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        // A block domain's volume group is named by the domain's uuid; a file domain's path is
        // not in domain.info, so its uuid stands there too.
        bool block = info.Type.ToUpperInvariant() is "ISCSI" or "FCP" or "BLOCK";
        var domain = new StorageDomainStatic(
            info.Uuid,
            info.Uuid.ToString(),
            info.Description.Length == 0 ? "sd-" + ShortName(info.Uuid) : info.Description,
            type,
            block ? StorageType.ISCSI : StorageType.NFS,
            info.Version.ToString(CultureInfo.InvariantCulture),
            WarningLowSpaceIndicator: 10,
            CriticalSpaceActionBlocker: 5,
            info.BlockSize == 0 ? 512 : info.BlockSize,
            WipeAfterDelete: false,
            DiscardAfterDelete: false,
            now,
            null);
        await db.Pools.InsertDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Adds every image of the domain not in the database yet, as a disk with its chain; returns how many.</summary>
    private async Task<int> SaveDisksAsync(Guid poolId, DomainVolumesReply reply, DateTimeOffset now, List<string> skipped, CancellationToken cancellationToken)
    {
        var byId = reply.Volumes.ToDictionary(v => v.Id);
        int added = 0;
        foreach (var chain in reply.Chains)
        {
            if (await db.Disks.GetAsync(chain.Image, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            string? problem = chain.Error
                ?? (chain.Volumes.Count == 0 ? "no volumes" : null)
                ?? chain.Volumes.Where(v => !byId.TryGetValue(v, out var view) || view.Metadata is null)
                    .Select(v => $"volume {v} has no readable metadata").FirstOrDefault();
            if (problem is not null)
            {
                skipped.Add($"disk {chain.Image} on domain {reply.Domain}: {problem}");
                HostsLog.DiskSkipped(logger, poolId, chain.Image, problem);
                continue;
            }

            var views = chain.Volumes.Select(v => byId[v]).ToList();
            var images = views.Select((v, i) => ToImage(chain.Image, v, i, views.Count, now)).ToList();
            var (alias, description) = AliasOf(chain.Image, views);
            await db.Disks.InsertAsync(new BaseDisk(chain.Image, alias, description, false, false, DiskContentType.DATA), images, reply.Domain, cancellationToken)
                .ConfigureAwait(false);
            foreach (var view in views)
            {
                await db.Images.UpdateDynamicAsync(new DiskImageDynamic(view.Id, view.Storage.Truesize, null, null, null, null, null, null), cancellationToken)
                    .ConfigureAwait(false);
            }

            added++;
        }

        return added;
    }

    /// <summary>The <c>images</c> row of the volume at <paramref name="index"/> of a chain (base first) of <paramref name="count"/> volumes.</summary>
    internal static Image ToImage(Guid disk, VolumeView view, int index, int count, DateTimeOffset now)
    {
        var md = view.Metadata!;
        bool leaf = index == count - 1;

        // A base whose parent is not zero sits on a template's volume (a thin clone).
        Guid template = index == 0 ? md.Parent : Guid.Empty;
        return new Image(
            view.Id,
            md.Ctime > 0 ? DateTimeOffset.FromUnixTimeSeconds(md.Ctime) : now,
            md.Capacity,
            template,
            md.Parent,
            md.Legality == "LEGAL" ? ImageStatus.OK : ImageStatus.ILLEGAL,
            now,
            null,
            md.Type == "SPARSE" ? VolumeType.Sparse : VolumeType.Preallocated,
            md.Format == "COW" ? VolumeFormat.COW : VolumeFormat.RAW,
            disk,
            leaf,
            leaf ? VolumeClassification.Volume : VolumeClassification.Snapshot,
            index + 1);
    }

    /// <summary>
    /// The disk's alias and description from its volumes' DESCRIPTION (base first), as oVirt
    /// writes it: JSON with "DiskAlias" and "DiskDescription". Otherwise "disk-" and the first
    /// 8 characters of the image id, and a description that is not JSON as the description.
    /// </summary>
    internal static (string Alias, string? Description) AliasOf(Guid disk, IReadOnlyList<VolumeView> chain)
    {
        string? plain = null;
        foreach (var view in chain)
        {
            string text = view.Metadata?.Description ?? "";
            if (text.Length == 0)
            {
                continue;
            }

            if (TryReadAlias(text, out string? alias, out string? description))
            {
                return (alias!, description);
            }

            plain ??= text;
        }

        return ("disk-" + ShortName(disk), plain);
    }

    private static bool TryReadAlias(string text, out string? alias, out string? description)
    {
        alias = description = null;
        if (!text.StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("DiskAlias", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() is { Length: > 0 } name)
            {
                alias = name;
                description = json.RootElement.TryGetProperty("DiskDescription", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
