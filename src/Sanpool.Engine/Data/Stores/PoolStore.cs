using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// Data centers (<c>storage_pool</c>), storage domains (<c>storage_domain_static</c> and
/// <c>_dynamic</c>) and which domain is attached to which data center with what status
/// (<c>storage_pool_iso_map</c>).
/// </summary>
public sealed class PoolStore
{
    private const string PoolColumns =
        "id, name, description, status, master_domain_version, spm_vds_id, compatibility_version, _create_date, _update_date";

    private const string DomainColumns =
        "id, storage, storage_name, storage_domain_type, storage_type, storage_domain_format_type, warning_low_space_indicator, " +
        "critical_space_action_blocker, block_size, wipe_after_delete, discard_after_delete, _create_date, _update_date";

    private readonly EngineDatabase _db;

    internal PoolStore(EngineDatabase db) => _db = db;

    public Task InsertPoolAsync(StoragePool pool, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            s => s.ExecuteAsync(
                $"INSERT INTO storage_pool ({PoolColumns}) VALUES " +
                "(@Id, @Name, @Description, @Status, @MasterDomainVersion, @SpmVdsId, @CompatibilityVersion, @CreateDate, @UpdateDate)",
                pool,
                cancellationToken),
            cancellationToken);

    /// <summary>Updates every column but the id and the creation date; _update_date becomes now.</summary>
    public Task UpdatePoolAsync(StoragePool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE storage_pool SET name = @Name, description = @Description, status = @Status, " +
                    "master_domain_version = @MasterDomainVersion, spm_vds_id = @SpmVdsId, compatibility_version = @CompatibilityVersion, " +
                    "_update_date = @now WHERE id = @Id",
                    new { pool.Id, pool.Name, pool.Description, pool.Status, pool.MasterDomainVersion, pool.SpmVdsId, pool.CompatibilityVersion, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"data center {pool.Id}"),
            cancellationToken);
    }

    public Task SetPoolStatusAsync(Guid poolId, StoragePoolStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE storage_pool SET status = @status, _update_date = @now WHERE id = @poolId",
                    new { poolId, status, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"data center {poolId}"),
            cancellationToken);

    /// <summary>Records the pool's SPM host (null: none).</summary>
    public Task SetSpmAsync(Guid poolId, Guid? spmVdsId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE storage_pool SET spm_vds_id = @spmVdsId, _update_date = @now WHERE id = @poolId",
                    new { poolId, spmVdsId, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"data center {poolId}"),
            cancellationToken);

    public Task<StoragePool?> GetPoolAsync(Guid poolId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {PoolColumns} FROM storage_pool WHERE id = @poolId", new { poolId }, ReadPool, cancellationToken),
            cancellationToken);

    /// <summary>Data centers by name (then id).</summary>
    public async Task<IReadOnlyList<StoragePool>> ListPoolsAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {PoolColumns} FROM storage_pool ORDER BY name, id LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                ReadPool,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Adds a domain, with an empty <c>storage_domain_dynamic</c> row (sizes unknown until a host reports them).</summary>
    public Task InsertDomainAsync(StorageDomainStatic domain, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                await s.ExecuteAsync(
                    $"INSERT INTO storage_domain_static ({DomainColumns}) VALUES " +
                    "(@Id, @Storage, @StorageName, @StorageDomainType, @StorageType, @StorageDomainFormatType, @WarningLowSpaceIndicator, " +
                    "@CriticalSpaceActionBlocker, @BlockSize, @WipeAfterDelete, @DiscardAfterDelete, @CreateDate, @UpdateDate)",
                    domain,
                    cancellationToken).ConfigureAwait(false);
                await s.ExecuteAsync(
                    "INSERT INTO storage_domain_dynamic (id, available_disk_size, used_disk_size, _update_date) VALUES (@Id, NULL, NULL, NULL)",
                    new { domain.Id },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>Updates every column but the id and the creation date; _update_date becomes now.</summary>
    public Task UpdateDomainAsync(StorageDomainStatic domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE storage_domain_static SET storage = @Storage, storage_name = @StorageName, storage_domain_type = @StorageDomainType, " +
                    "storage_type = @StorageType, storage_domain_format_type = @StorageDomainFormatType, " +
                    "warning_low_space_indicator = @WarningLowSpaceIndicator, critical_space_action_blocker = @CriticalSpaceActionBlocker, " +
                    "block_size = @BlockSize, wipe_after_delete = @WipeAfterDelete, discard_after_delete = @DiscardAfterDelete, " +
                    "_update_date = @now WHERE id = @Id",
                    new
                    {
                        domain.Id, domain.Storage, domain.StorageName, domain.StorageDomainType, domain.StorageType, domain.StorageDomainFormatType,
                        domain.WarningLowSpaceIndicator, domain.CriticalSpaceActionBlocker, domain.BlockSize, domain.WipeAfterDelete,
                        domain.DiscardAfterDelete, now = s.Now,
                    },
                    cancellationToken).ConfigureAwait(false),
                $"storage domain {domain.Id}"),
            cancellationToken);
    }

    public Task<StorageDomainStatic?> GetDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {DomainColumns} FROM storage_domain_static WHERE id = @domainId", new { domainId }, ReadDomain, cancellationToken),
            cancellationToken);

    /// <summary>Domains by name (then id).</summary>
    public async Task<IReadOnlyList<StorageDomainStatic>> ListDomainsAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {DomainColumns} FROM storage_domain_static ORDER BY storage_name, id LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                ReadDomain,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Records a domain's free and used space (whole GiB) as a host reported it; _update_date becomes now.</summary>
    public Task UpdateDomainDynamicAsync(Guid domainId, int? availableDiskSize, int? usedDiskSize, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE storage_domain_dynamic SET available_disk_size = @availableDiskSize, used_disk_size = @usedDiskSize, _update_date = @now " +
                    "WHERE id = @domainId",
                    new { domainId, availableDiskSize, usedDiskSize, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"storage domain {domainId}"),
            cancellationToken);

    public Task<StorageDomainDynamic?> GetDomainDynamicAsync(Guid domainId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync(
                "SELECT id, available_disk_size, used_disk_size, _update_date FROM storage_domain_dynamic WHERE id = @domainId",
                new { domainId },
                r => new StorageDomainDynamic(r.Uuid("id"), r.Int32OrNull("available_disk_size"), r.Int32OrNull("used_disk_size"), r.TimeOrNull("_update_date")),
                cancellationToken),
            cancellationToken);

    /// <summary>Attaches a domain to a data center with a first status (CONFLICT if it is attached already).</summary>
    public Task AttachDomainAsync(StoragePoolIsoMap map, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            s => s.ExecuteAsync(
                "INSERT INTO storage_pool_iso_map (storage_id, storage_pool_id, status) VALUES (@StorageId, @StoragePoolId, @Status)",
                map,
                cancellationToken),
            cancellationToken);

    public Task SetDomainStatusAsync(Guid storageId, Guid poolId, StorageDomainStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE storage_pool_iso_map SET status = @status WHERE storage_id = @storageId AND storage_pool_id = @poolId",
                    new { storageId, poolId, status },
                    cancellationToken).ConfigureAwait(false),
                $"storage domain {storageId} in data center {poolId}"),
            cancellationToken);

    public Task DetachDomainAsync(Guid storageId, Guid poolId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "DELETE FROM storage_pool_iso_map WHERE storage_id = @storageId AND storage_pool_id = @poolId",
                    new { storageId, poolId },
                    cancellationToken).ConfigureAwait(false),
                $"storage domain {storageId} in data center {poolId}"),
            cancellationToken);

    /// <summary>The domains attached to a data center, by domain id.</summary>
    public async Task<IReadOnlyList<StoragePoolIsoMap>> ListIsoMapAsync(Guid poolId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                "SELECT storage_id, storage_pool_id, status FROM storage_pool_iso_map WHERE storage_pool_id = @poolId ORDER BY storage_id",
                new { poolId },
                r => new StoragePoolIsoMap(r.Uuid("storage_id"), r.Uuid("storage_pool_id"), r.Coded<StorageDomainStatus>("status")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task<long> CountPoolsAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async s => await s.ScalarAsync<long>("SELECT COUNT(*) FROM storage_pool", null, cancellationToken).ConfigureAwait(false), cancellationToken);

    public Task<long> CountDomainsAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async s => await s.ScalarAsync<long>("SELECT COUNT(*) FROM storage_domain_static", null, cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>The data centers a domain is attached to (in Sanpool at most one), by pool id.</summary>
    public async Task<IReadOnlyList<StoragePoolIsoMap>> ListAttachmentsAsync(Guid domainId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                "SELECT storage_id, storage_pool_id, status FROM storage_pool_iso_map WHERE storage_id = @domainId ORDER BY storage_pool_id",
                new { domainId },
                r => new StoragePoolIsoMap(r.Uuid("storage_id"), r.Uuid("storage_pool_id"), r.Coded<StorageDomainStatus>("status")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    internal static StoragePool ReadPool(Row r) => new(
        r.Uuid("id"),
        r.Text("name"),
        r.TextOrNull("description"),
        r.Coded<StoragePoolStatus>("status"),
        r.Int32Value("master_domain_version"),
        r.UuidOrNull("spm_vds_id"),
        r.Text("compatibility_version"),
        r.Time("_create_date"),
        r.TimeOrNull("_update_date"));

    internal static StorageDomainStatic ReadDomain(Row r) => new(
        r.Uuid("id"),
        r.Text("storage"),
        r.Text("storage_name"),
        r.Coded<StorageDomainType>("storage_domain_type"),
        r.Coded<StorageType>("storage_type"),
        r.Text("storage_domain_format_type"),
        r.Int32Value("warning_low_space_indicator"),
        r.Int32Value("critical_space_action_blocker"),
        r.Int32Value("block_size"),
        r.Flag("wipe_after_delete"),
        r.Flag("discard_after_delete"),
        r.Time("_create_date"),
        r.TimeOrNull("_update_date"));
}
