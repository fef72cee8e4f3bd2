using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool;

/// <summary>
/// One host connected to a pool: the master domain checked against what the host expects
/// (pool UUID, MASTER_VERSION), a store for every domain of the pool, and the host's id held in
/// the master domain's lockspace for as long as it is connected (VDSM's connectStoragePool +
/// acquireHostId). Every host of the pool is connected like this; only the SPM also writes.
/// </summary>
public sealed partial class PoolHost : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, IDomainManifest> _stores = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (Lockspace Lockspace, IBlockDevice Ids)> _lockspaces = new();
    private readonly SemaphoreSlim _joinGate = new(1, 1);

    private PoolHost(PoolHostOptions options, QemuImg qemuImg, ILogger logger)
    {
        Options = options;
        QemuImg = qemuImg;
        Logger = logger;
    }

    public PoolHostOptions Options { get; }

    public QemuImg QemuImg { get; }

    public ILogger Logger { get; }

    /// <summary>Our host id in the master domain's lockspace.</summary>
    public Lockspace Lockspace { get; private set; } = null!;

    public IDomainManifest Master => _stores[Options.Master];

    /// <summary>The pool as the master said at the last <see cref="ReadPoolAsync"/> (the monitor reads it every cycle).</summary>
    public PoolMetadata Pool { get; private set; } = null!;

    public static async Task<PoolHost> ConnectAsync(PoolHostOptions options, QemuImg qemuImg, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var host = new PoolHost(options, qemuImg, logger);
        try
        {
            await host.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var master = await Options.Locator.OpenAsync(Options.Master, QemuImg, Options.RunDirectory, cancellationToken).ConfigureAwait(false);
        _stores[Options.Master] = master;
        Pool = await ReadPoolAsync(cancellationToken).ConfigureAwait(false);
        foreach (var domain in Pool.Domains.Keys.Where(d => d != Options.Master))
        {
            try
            {
                _stores[domain] = await Options.Locator.OpenAsync(domain, QemuImg, Options.RunDirectory, cancellationToken).ConfigureAwait(false);
            }
            catch (SanpoolException e)
            {
                LogDomainUnreachable(Logger, Options.Pool, domain, Options.HostId, e.OneLine);
            }
        }

        // A master move that crashed between its commit and the old master's demotion leaves
        // Options.Master still saying Master: a newer claim among the pool's domains wins.
        if (await MasterLookup.FindAsync(Options.Pool, _stores.Values, cancellationToken).ConfigureAwait(false) is { } current && current.Domain != Options.Master)
        {
            throw MasterLookup.NoLongerMaster(Options.Pool, Options.Master, Pool.MasterVersion, current);
        }

        // Every Active domain's lockspace, joined at once (each join waits 2 x io_timeout): a host
        // watches every holder from the start, so when the SPM dies its SDM leases on all domains
        // can be taken one host_dead after its last renewal, not one host_dead after we looked.
        var joins = _stores.Where(d => d.Key == Options.Master || Pool.Domains.GetValueOrDefault(d.Key) == PoolMetadata.Active)
            .Select(d => JoinAsync(d.Key, d.Value, cancellationToken)).ToList();
        await Task.WhenAll(joins).ConfigureAwait(false);
        Lockspace = _lockspaces.TryGetValue(Options.Master, out var joined)
            ? joined.Lockspace
            : throw new SanpoolException(LeaseErrors.NoLockspace, $"pool {Options.Pool}: host {Options.HostId} could not join the lockspace of master {Options.Master}");
        LogConnected(Logger, Options.Pool, Options.Master, Pool.MasterVersion, Options.HostId, Options.HostName, Pool.Domains.Count);
    }

    /// <summary>Joins a domain's lockspace with our host id; a non-master domain that cannot be joined is logged and left to its writer.</summary>
    private async Task JoinAsync(Guid domain, IDomainManifest store, CancellationToken cancellationToken)
    {
        IBlockDevice? ids = null;
        try
        {
            ids = await store.OpenIdsAsync(cancellationToken).ConfigureAwait(false);
            var lockspace = await Lockspace.JoinAsync(new LockspaceOptions(new LeaseDisk(ids, 0, store.Geometry, TimeSpan.FromSeconds(store.Info.IoTimeout)),
                domain.ToString(), Options.HostId, Options.HostName)
            {
                Timeouts = store.Info.Timeouts,
                Logger = Logger,
            }, cancellationToken).ConfigureAwait(false);
            _lockspaces[domain] = (lockspace, ids);
        }
        catch (SanpoolException e) when (domain != Options.Master)
        {
            if (ids is not null)
            {
                await ids.DisposeAsync().ConfigureAwait(false);
            }

            LogDomainUnreachable(Logger, Options.Pool, domain, Options.HostId, e.OneLine);
        }
        catch
        {
            if (ids is not null)
            {
                await ids.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Our host id in <paramref name="domain"/>'s lockspace while it is valid; null if we hold none there (a writer then joins by itself).</summary>
    public Lockspace? LockspaceOf(Guid domain) =>
        _lockspaces.TryGetValue(domain, out var joined) && joined.Lockspace.IsValid ? joined.Lockspace : null;

    /// <summary>The pool keys as the master domain holds them now, checked against what we expect.</summary>
    /// <exception cref="SanpoolException">
    /// WRONG_MASTER if the master belongs to another pool, is at another MASTER_VERSION, or was
    /// demoted by a master move; the message then names the current master when one is found
    /// (a search of every domain the locator reaches, made only on this error path).
    /// </exception>
    public async Task<PoolMetadata> ReadPoolAsync(CancellationToken cancellationToken)
    {
        var md = await Master.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        if (md[PoolMetadata.RoleKey] != PoolMetadata.MasterRole && md[PoolMetadata.PoolUuidKey] == Options.Pool.ToString())
        {
            // Still in the pool but demoted: the master role moved to another domain.
            throw MasterLookup.NoLongerMaster(Options.Pool, Options.Master, Options.MasterVersion ?? Pool?.MasterVersion,
                await FindCurrentMasterAsync(cancellationToken).ConfigureAwait(false));
        }

        var pool = PoolMetadata.From(md, Options.Master);
        if (pool.Pool != Options.Pool)
        {
            throw new SanpoolException(PoolErrors.WrongMaster, $"domain {Options.Master} is the master of pool {pool.Pool}, not of pool {Options.Pool}");
        }

        if (Options.MasterVersion is { } expected && expected != pool.MasterVersion)
        {
            if (await FindCurrentMasterAsync(cancellationToken).ConfigureAwait(false) is { } current && current.Domain != Options.Master)
            {
                throw MasterLookup.NoLongerMaster(Options.Pool, Options.Master, pool.MasterVersion, current);
            }

            throw new SanpoolException(PoolErrors.WrongMaster,
                $"pool {Options.Pool}: master domain {Options.Master} is at MASTER_VERSION {pool.MasterVersion}, this host expects {expected}; reconnect with the pool's current master");
        }

        Pool = pool;
        return pool;
    }

    /// <summary>The pool's current master among the domains this host can reach (the highest MASTER_VERSION claiming it); null if none is found.</summary>
    public async Task<MasterClaim?> FindCurrentMasterAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await MasterLookup.FindAsync(Options.Pool, Options.Locator, Pool?.Domains.Keys.Prepend(Options.Master) ?? [Options.Master],
                Options.RunDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == PoolErrors.WrongMaster)
        {
            return null;
        }
    }

    /// <summary>The store of a domain of the pool, opening it now if it could not be opened before.</summary>
    /// <exception cref="SanpoolException">DOMAIN_NOT_IN_POOL, or the domain's open error when it is unreachable.</exception>
    public async Task<IDomainManifest> StoreAsync(Guid domain, CancellationToken cancellationToken)
    {
        if (_stores.TryGetValue(domain, out var store))
        {
            return store;
        }

        if (!Pool.Domains.ContainsKey(domain))
        {
            throw new SanpoolException(PoolErrors.DomainNotInPool, $"domain {domain} is not in pool {Options.Pool}");
        }

        return await OpenStoreAsync(domain, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The store of a domain that is not (yet) in the pool, for the SPM attaching it: found by
    /// the locator like the pool's own domains, and its lockspace joined.
    /// </summary>
    public async Task<IDomainManifest> AttachingStoreAsync(Guid domain, CancellationToken cancellationToken)
    {
        var store = _stores.TryGetValue(domain, out var open) ? open : await OpenStoreAsync(domain, cancellationToken).ConfigureAwait(false);
        await EnsureJoinedAsync(domain, cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>
    /// Joins the lockspace of a domain of the pool if we hold no valid host id there: a domain
    /// attached since we connected, or one whose lockspace failed while its storage was lost.
    /// </summary>
    public async Task EnsureJoinedAsync(Guid domain, CancellationToken cancellationToken)
    {
        if (LockspaceOf(domain) is not null || domain == Options.Master)
        {
            return;
        }

        // One joiner per domain: two Lockspace objects renewing one host id would each see the
        // other's renewal as our record changed behind our back.
        await _joinGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (LockspaceOf(domain) is not null)
            {
                return;
            }

            if (_lockspaces.TryRemove(domain, out var failed))
            {
                await failed.Lockspace.DisposeAsync().ConfigureAwait(false);
                await failed.Ids.DisposeAsync().ConfigureAwait(false);
            }

            var store = _stores.TryGetValue(domain, out var open) ? open : await StoreAsync(domain, cancellationToken).ConfigureAwait(false);
            await JoinAsync(domain, store, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _joinGate.Release();
        }
    }

    private async Task<IDomainManifest> OpenStoreAsync(Guid domain, CancellationToken cancellationToken)
    {
        var store = await Options.Locator.OpenAsync(domain, QemuImg, Options.RunDirectory, cancellationToken).ConfigureAwait(false);
        if (!_stores.TryAdd(domain, store))
        {
            // Opened at the same time by another caller (the monitor and the SPM): keep one.
            await store.DisposeAsync().ConfigureAwait(false);
        }

        return _stores[domain];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (lockspace, ids) in _lockspaces.Values)
        {
            try
            {
                if (lockspace.IsValid)
                {
                    await lockspace.LeaveAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (SanpoolException e)
            {
                LogDomainUnreachable(Logger, Options.Pool, Guid.Parse(lockspace.Name), Options.HostId, e.OneLine);
            }

            await lockspace.DisposeAsync().ConfigureAwait(false);
            await ids.DisposeAsync().ConfigureAwait(false);
        }

        _lockspaces.Clear();

        foreach (var store in _stores.Values)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information,
        Message = "pool {Pool}: connected to master {Master} (MASTER_VERSION {MasterVersion}) as host {HostId} ({HostName}); {Domains} domain(s)")]
    private static partial void LogConnected(ILogger logger, Guid pool, Guid master, int masterVersion, int hostId, string hostName, int domains);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "pool {Pool}: domain {Domain} unreachable from host {HostId}: {Error}")]
    private static partial void LogDomainUnreachable(ILogger logger, Guid pool, Guid domain, int hostId, string error);
}
