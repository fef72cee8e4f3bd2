using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// Hosts: <c>vds_static</c> (as configured), <c>vds_dynamic</c> (as last polled) and
/// <c>vds_spm_id_map</c> (each host's id in its pool's lockspaces).
/// </summary>
public sealed class HostStore
{
    private const string StaticColumns =
        "vds_id, vds_name, host_name, agent_address, agent_token, vds_spm_priority, storage_pool_id, _create_date, _update_date";

    private const string DynamicColumns = "vds_id, status, non_operational_reason, spm_status, last_seen, _update_date";

    private readonly EngineDatabase _db;

    internal HostStore(EngineDatabase db) => _db = db;

    /// <summary>Adds a host, with its <c>vds_dynamic</c> row in status Unassigned (not polled yet).</summary>
    public Task InsertAsync(VdsStatic host, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                await s.ExecuteAsync(
                    $"INSERT INTO vds_static ({StaticColumns}) VALUES " +
                    "(@VdsId, @VdsName, @HostName, @AgentAddress, @AgentToken, @VdsSpmPriority, @StoragePoolId, @CreateDate, @UpdateDate)",
                    host,
                    cancellationToken).ConfigureAwait(false);
                await s.ExecuteAsync(
                    $"INSERT INTO vds_dynamic ({DynamicColumns}) VALUES (@VdsId, @status, NULL, @spm, NULL, NULL)",
                    new { host.VdsId, status = VdsStatus.Unassigned, spm = SpmStatus.None },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>Updates every column but the id and the creation date; _update_date becomes now.</summary>
    public Task UpdateAsync(VdsStatic host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE vds_static SET vds_name = @VdsName, host_name = @HostName, agent_address = @AgentAddress, agent_token = @AgentToken, " +
                    "vds_spm_priority = @VdsSpmPriority, storage_pool_id = @StoragePoolId, _update_date = @now WHERE vds_id = @VdsId",
                    new { host.VdsId, host.VdsName, host.HostName, host.AgentAddress, host.AgentToken, host.VdsSpmPriority, host.StoragePoolId, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"host {host.VdsId}"),
            cancellationToken);
    }

    public Task<VdsStatic?> GetAsync(Guid vdsId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {StaticColumns} FROM vds_static WHERE vds_id = @vdsId", new { vdsId }, ReadStatic, cancellationToken),
            cancellationToken);

    /// <summary>Hosts by name (then id).</summary>
    public async Task<IReadOnlyList<VdsStatic>> ListAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {StaticColumns} FROM vds_static ORDER BY vds_name, vds_id LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                ReadStatic,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task<VdsDynamic?> GetDynamicAsync(Guid vdsId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {DynamicColumns} FROM vds_dynamic WHERE vds_id = @vdsId", new { vdsId }, ReadDynamic, cancellationToken),
            cancellationToken);

    /// <summary>Records a poll's outcome: the status, why it is not operational (or null), when it last answered.</summary>
    public Task SetStatusAsync(Guid vdsId, VdsStatus status, string? nonOperationalReason, DateTimeOffset? lastSeen, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE vds_dynamic SET status = @status, non_operational_reason = @nonOperationalReason, last_seen = @lastSeen, _update_date = @now " +
                    "WHERE vds_id = @vdsId",
                    new { vdsId, status, nonOperationalReason, lastSeen, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"host {vdsId}"),
            cancellationToken);

    public Task SetSpmStatusAsync(Guid vdsId, SpmStatus spmStatus, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE vds_dynamic SET spm_status = @spmStatus, _update_date = @now WHERE vds_id = @vdsId",
                    new { vdsId, spmStatus, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"host {vdsId}"),
            cancellationToken);

    /// <summary>
    /// The host's id in the pool's lockspaces: the one it has, or else the lowest free id from 1,
    /// taken in the same transaction. SPM_IDS_EXHAUSTED when all 250 are taken. Two engines
    /// allocating at once cannot take the same id: the pool's row is locked first (PostgreSQL)
    /// or the transaction holds SQLite's write lock, and the primary key would refuse it anyway.
    /// </summary>
    public Task<int> AllocateSpmIdAsync(Guid poolId, Guid vdsId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                var pool = await s.QueryAsync(
                    $"SELECT id FROM storage_pool WHERE id = @poolId{s.Dialect.ForUpdate}", new { poolId }, r => r.Uuid("id"), cancellationToken).ConfigureAwait(false);
                if (pool.Count == 0)
                {
                    throw StoreChecks.NotFound($"data center {poolId}");
                }

                var taken = await s.QueryAsync(
                    "SELECT vds_spm_id, vds_id FROM vds_spm_id_map WHERE storage_pool_id = @poolId ORDER BY vds_spm_id",
                    new { poolId },
                    r => (Id: r.Int32Value("vds_spm_id"), Host: r.Uuid("vds_id")),
                    cancellationToken).ConfigureAwait(false);
                foreach (var (id, host) in taken)
                {
                    if (host == vdsId)
                    {
                        return id;
                    }
                }

                int free = LowestFree(taken.Select(t => t.Id));
                if (free > VdsSpmIdMap.MaxSpmId)
                {
                    throw new SanpoolException(
                        EngineErrors.SpmIdsExhausted,
                        $"data center {poolId} has {VdsSpmIdMap.MaxSpmId} hosts already; host {vdsId} cannot get a host id in its lockspaces");
                }

                await s.ExecuteAsync(
                    "INSERT INTO vds_spm_id_map (storage_pool_id, vds_spm_id, vds_id) VALUES (@poolId, @free, @vdsId)",
                    new { poolId, free, vdsId },
                    cancellationToken).ConfigureAwait(false);
                return free;
            },
            cancellationToken);

    /// <summary>Frees the host's id in the pool (the host left it). False if it had none.</summary>
    public Task<bool> ReleaseSpmIdAsync(Guid poolId, Guid vdsId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => await s.ExecuteAsync(
                "DELETE FROM vds_spm_id_map WHERE storage_pool_id = @poolId AND vds_id = @vdsId",
                new { poolId, vdsId },
                cancellationToken).ConfigureAwait(false) > 0,
            cancellationToken);

    /// <summary>The pool's host ids, in id order.</summary>
    public async Task<IReadOnlyList<VdsSpmIdMap>> ListSpmIdsAsync(Guid poolId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                "SELECT storage_pool_id, vds_spm_id, vds_id FROM vds_spm_id_map WHERE storage_pool_id = @poolId ORDER BY vds_spm_id",
                new { poolId },
                r => new VdsSpmIdMap(r.Uuid("storage_pool_id"), r.Int32Value("vds_spm_id"), r.Uuid("vds_id")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Adds a host that is in a pool already, with the host id it has there (the agent's own,
    /// not one allocated here), its first polled status and its SPM role, in one transaction.
    /// Refused, with nothing written: HOST_ADDRESS_EXISTS when another host has that agent address,
    /// HOST_ID_EXISTS when another host holds that id in the pool, HOST_NAME_EXISTS for the name. The pool's row is locked first (PostgreSQL), or the transaction holds
    /// SQLite's write lock, so two engines adding at once cannot both pass the checks.
    /// </summary>
    public Task AddToPoolAsync(VdsStatic host, int spmId, VdsDynamic first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(first);
        Guid poolId = host.StoragePoolId ?? throw new ArgumentException("the host names no pool", nameof(host));
        return _db.TransactAsync(
            async s =>
            {
                var pool = await s.QueryAsync(
                    $"SELECT id FROM storage_pool WHERE id = @poolId{s.Dialect.ForUpdate}", new { poolId }, r => r.Uuid("id"), cancellationToken).ConfigureAwait(false);
                if (pool.Count == 0)
                {
                    throw StoreChecks.NotFound($"data center {poolId}");
                }

                var same = await s.QueryAsync(
                    "SELECT vds_name, agent_address FROM vds_static WHERE agent_address = @AgentAddress OR vds_name = @VdsName",
                    new { host.AgentAddress, host.VdsName },
                    r => (Name: r.Text("vds_name"), Address: r.Text("agent_address")),
                    cancellationToken).ConfigureAwait(false);
                if (same.FirstOrDefault(h => h.Address == host.AgentAddress) is { Name: not null } taken)
                {
                    throw new SanpoolException(EngineErrors.HostAddressExists, $"host '{taken.Name}' has the agent address {taken.Address} already");
                }

                var holder = await s.QuerySingleOrDefaultAsync(
                    "SELECT v.vds_name, v.agent_address FROM vds_spm_id_map m JOIN vds_static v ON v.vds_id = m.vds_id " +
                    "WHERE m.storage_pool_id = @poolId AND m.vds_spm_id = @spmId",
                    new { poolId, spmId },
                    r => new { Name = r.Text("vds_name"), Address = r.Text("agent_address") },
                    cancellationToken).ConfigureAwait(false);
                if (holder is not null)
                {
                    throw new SanpoolException(
                        EngineErrors.HostIdExists,
                        $"host id {spmId} of data center {poolId} is host '{holder.Name}' (agent {holder.Address}) already; the agent at {host.AgentAddress} claims it too");
                }

                if (same.Count > 0)
                {
                    throw new SanpoolException(EngineErrors.HostNameExists, $"a host named '{same[0].Name}' exists already (agent {same[0].Address})");
                }

                await s.ExecuteAsync(
                    $"INSERT INTO vds_static ({StaticColumns}) VALUES " +
                    "(@VdsId, @VdsName, @HostName, @AgentAddress, @AgentToken, @VdsSpmPriority, @StoragePoolId, @CreateDate, @UpdateDate)",
                    host,
                    cancellationToken).ConfigureAwait(false);
                await s.ExecuteAsync(
                    $"INSERT INTO vds_dynamic ({DynamicColumns}) VALUES (@VdsId, @Status, @NonOperationalReason, @SpmStatus, @LastSeen, @UpdateDate)",
                    first with { VdsId = host.VdsId },
                    cancellationToken).ConfigureAwait(false);
                await s.ExecuteAsync(
                    "INSERT INTO vds_spm_id_map (storage_pool_id, vds_spm_id, vds_id) VALUES (@poolId, @spmId, @VdsId)",
                    new { poolId, spmId, host.VdsId },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>
    /// Records one poll (status, why not operational or null, SPM role, when it last answered;
    /// _update_date becomes now) if the host is still in <paramref name="expected"/>: false, and
    /// nothing written, when something changed it since it was read (a deactivate during a poll).
    /// </summary>
    public Task<bool> RecordPollAsync(
        Guid vdsId, VdsStatus expected, VdsStatus status, string? nonOperationalReason, SpmStatus spmStatus, DateTimeOffset? lastSeen, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => await s.ExecuteAsync(
                "UPDATE vds_dynamic SET status = @status, non_operational_reason = @nonOperationalReason, spm_status = @spmStatus, " +
                "last_seen = @lastSeen, _update_date = @now WHERE vds_id = @vdsId AND status = @expected",
                new { vdsId, expected, status, nonOperationalReason, spmStatus, lastSeen, now = s.Now },
                cancellationToken).ConfigureAwait(false) == 1,
            cancellationToken);

    /// <summary>Removes a host with its status and its host id in its pool. False if there was none.</summary>
    public Task<bool> RemoveAsync(Guid vdsId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => await s.ExecuteAsync("DELETE FROM vds_static WHERE vds_id = @vdsId", new { vdsId }, cancellationToken).ConfigureAwait(false) > 0,
            cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async s => await s.ScalarAsync<long>("SELECT COUNT(*) FROM vds_static", null, cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>One host with its status and host id, or null.</summary>
    public async Task<VdsView?> GetViewAsync(Guid vdsId, CancellationToken cancellationToken) =>
        (await _db.ReadAsync(
            s => s.QueryAsync($"{ViewSelect} WHERE s.vds_id = @vdsId", new { vdsId }, ReadView, cancellationToken),
            cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Hosts with their status and host id, by name (then id).</summary>
    public async Task<IReadOnlyList<VdsView>> ListViewsAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync($"{ViewSelect} ORDER BY s.vds_name, s.vds_id LIMIT @Limit OFFSET @Offset", new { page.Limit, page.Offset }, ReadView, cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Every host with its status and host id, by name: what a poll round walks.</summary>
    public async Task<IReadOnlyList<VdsView>> ListAllViewsAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync($"{ViewSelect} ORDER BY s.vds_name, s.vds_id", null, ReadView, cancellationToken),
            cancellationToken).ConfigureAwait(false);

    // The pool's host id comes from the map of the pool the host names (a host is in one pool).
    private const string ViewSelect =
        "SELECT s.vds_id, s.vds_name, s.host_name, s.agent_address, s.agent_token, s.vds_spm_priority, s.storage_pool_id, s._create_date, s._update_date, " +
        "d.status, d.non_operational_reason, d.spm_status, d.last_seen, d._update_date AS d_update_date, m.vds_spm_id " +
        "FROM vds_static s JOIN vds_dynamic d ON d.vds_id = s.vds_id " +
        "LEFT JOIN vds_spm_id_map m ON m.vds_id = s.vds_id AND m.storage_pool_id = s.storage_pool_id";

    private static VdsView ReadView(Row r) => new(
        ReadStatic(r),
        new VdsDynamic(
            r.Uuid("vds_id"),
            r.Coded<VdsStatus>("status"),
            r.TextOrNull("non_operational_reason"),
            r.Coded<SpmStatus>("spm_status"),
            r.TimeOrNull("last_seen"),
            r.TimeOrNull("d_update_date")),
        r.Int32OrNull("vds_spm_id"));

    /// <summary>The lowest integer from 1 not in <paramref name="sortedTaken"/> (ascending).</summary>
    private static int LowestFree(IEnumerable<int> sortedTaken)
    {
        int candidate = 1;
        foreach (int id in sortedTaken)
        {
            if (id != candidate)
            {
                break;
            }

            candidate++;
        }

        return candidate;
    }

    internal static VdsStatic ReadStatic(Row r) => new(
        r.Uuid("vds_id"),
        r.Text("vds_name"),
        r.Text("host_name"),
        r.Text("agent_address"),
        r.TextOrNull("agent_token"),
        r.Int32Value("vds_spm_priority"),
        r.UuidOrNull("storage_pool_id"),
        r.Time("_create_date"),
        r.TimeOrNull("_update_date"));

    internal static VdsDynamic ReadDynamic(Row r) => new(
        r.Uuid("vds_id"),
        r.Coded<VdsStatus>("status"),
        r.TextOrNull("non_operational_reason"),
        r.Coded<SpmStatus>("spm_status"),
        r.TimeOrNull("last_seen"),
        r.TimeOrNull("_update_date"));
}
