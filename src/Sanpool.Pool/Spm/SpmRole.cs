using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Spm;

/// <summary>
/// The Storage Pool Manager role on one host (VDSM's spmStart/spmStop, reference section 3):
/// <code>
/// start: Free -> Contend -> SDM lease on the master (its writer: journal recovered)
///        -> POOL_SPM_ID = us, POOL_SPM_LVER = lver -> writers on the other domains (their
///        journals recovered) -> tasks loaded and recovered -> SPM
/// stop:  no task running -> POOL_SPM_ID = -1 -> writers closed, leases released -> Free
/// lost:  our host id lease fails to renew -> tasks cancelled, nothing written, leases left
///        to expire -> Free; a task that does not stop within the kill grace kills the process
/// </code>
/// Every write of the role goes through <see cref="CheckLease"/> first, and every structural
/// change through a <see cref="DomainWriter"/>, which checks it too.
/// <para>
/// What guards what: the role's transitions (start, stop, step down, loss, attach, detach,
/// master move) run one at a time under <see cref="_transition"/>; only they replace
/// <see cref="_writers"/>, an immutable map published whole, which tasks and the mailbox read
/// without a lock (a writer they got just before a transition closed it refuses to write:
/// its lease check says closed). <see cref="_state"/> is volatile and <see cref="_lost"/> is
/// cancelled before anything else when the role ends, outside the lock, so a loss stops the
/// tasks at once even while a transition holds the lock. What tasks and extensions touch is
/// claimed from <see cref="Resources"/> (one per role, kept across terms, so a new term's task
/// waits for an old term's straggler on the same image).
/// </para>
/// </summary>
public sealed partial class SpmRole : IAsyncDisposable
{
    private readonly PoolHost _host;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _transition = new(1, 1);
    private volatile ImmutableDictionary<Guid, DomainWriter> _writers = ImmutableDictionary<Guid, DomainWriter>.Empty;
    private CancellationTokenSource _lost = new();
    private Task? _watch;
    private volatile SpmState _state = SpmState.Free;
    private long _lver = -1;

    public SpmRole(PoolHost host, ILogger logger)
    {
        _host = host;
        _logger = logger;
        Tasks = new TaskRunner(this, logger);
    }

    public SpmState State => _state;

    public PoolHost Host => _host;

    public TaskRunner Tasks { get; }

    /// <summary>The locks on domains, images and new volume ids that tasks and extensions claim before they touch them.</summary>
    public ResourceManager Resources { get; } = new();

    /// <summary>Cancelled when the role is lost or stopped: what runs for the SPM must stop writing.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// Raised once this host is SPM, with the token cancelled when the term ends (stop, step
    /// down, master move, lease lost): what runs only on the SPM (the mailbox's server) starts
    /// here and stops with it. Handlers must return at once.
    /// </summary>
    public event Action<CancellationToken>? Started;

    /// <summary>
    /// Raised as soon as the master's SDM lease is held, before anything is written under it,
    /// and right before the role lets its writers (and their leases) go: the window in which
    /// this host may write the pool's structure. What the contention tests watch.
    /// </summary>
    public event Action? LeaseHeld;

    /// <inheritdoc cref="LeaseHeld"/>
    public event Action? LeaseReleasing;

    /// <summary>
    /// This host's role, with the pool's SPM as the master domain names it. "SPM" only while the
    /// lease is valid: a host thawed after a freeze past its renewal-fail time, or one whose
    /// lease just failed, is Free from the first answer on, even before its watcher has stepped
    /// the role down (another host may already hold the lease; the manager must never see two).
    /// </summary>
    public async Task<SpmStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var state = _state;
        if (state == SpmState.Spm)
        {
            if (!_lost.IsCancellationRequested && _host.Lockspace.IsValid)
            {
                return new SpmStatus(SpmState.Spm, _host.Options.HostId, Interlocked.Read(ref _lver));
            }

            state = SpmState.Free;
        }

        var pool = await _host.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
        return new SpmStatus(state, pool.SpmId, pool.SpmLver);
    }

    /// <summary>The writer of a domain of the pool; NOT_SPM naming the SPM on any other host.</summary>
    public async Task<DomainWriter> WriterAsync(Guid domain, CancellationToken cancellationToken)
    {
        await RequireSpmAsync(cancellationToken).ConfigureAwait(false);
        CheckLease();
        return _writers.TryGetValue(domain, out var writer)
            ? writer
            : throw new SanpoolException(PoolErrors.DomainNotInPool, $"domain {domain} is not an active domain of pool {_host.Options.Pool} reachable from the SPM");
    }

    /// <summary>Throws NOT_SPM, naming the pool's SPM, unless this host is the SPM.</summary>
    public async Task RequireSpmAsync(CancellationToken cancellationToken)
    {
        if (_state == SpmState.Spm)
        {
            return;
        }

        var pool = await _host.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
        throw new SanpoolException(PoolErrors.NotSpm, pool.SpmId > 0 && pool.SpmId != _host.Options.HostId
            ? $"host {_host.Options.HostId} is not SPM of pool {_host.Options.Pool}; the SPM is host {pool.SpmId}"
            : $"host {_host.Options.HostId} is not SPM of pool {_host.Options.Pool}; the pool has no SPM now", isTransient: true);
    }

    /// <summary>
    /// Throws SPM_LEASE_LOST if our lease may be gone; called before every write the role makes
    /// (while Contend too: becoming SPM settles the tasks before it says SPM).
    /// </summary>
    public void CheckLease()
    {
        if (_state == SpmState.Free || _lost.IsCancellationRequested || !_host.Lockspace.IsValid)
        {
            throw new SanpoolException(PoolErrors.SpmLeaseLost, $"host {_host.Options.HostId} is no longer SPM of pool {_host.Options.Pool}; nothing more is written");
        }
    }

    public async Task<SpmStatus> StartAsync(CancellationToken cancellationToken)
    {
        if (!await _transition.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            throw new SanpoolException(PoolErrors.SpmContending, $"host {_host.Options.HostId} is already contending for or leaving the SPM role of pool {_host.Options.Pool}", true);
        }

        try
        {
            if (_state == SpmState.Spm)
            {
                return await StatusAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!_writers.IsEmpty)
            {
                // A lost term whose teardown (LoseAsync) has not had the lock yet: finish it first.
                await StopTasksOrFenceAsync().ConfigureAwait(false);
                await CloseWritersAsync().ConfigureAwait(false);
            }

            _state = SpmState.Contend;
            try
            {
                await BecomeSpmAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await CloseWritersAsync().ConfigureAwait(false);
                _state = SpmState.Free;
                throw;
            }

            return await StatusAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _transition.Release();
        }
    }

    private async Task BecomeSpmAsync(CancellationToken cancellationToken)
    {
        var options = _host.Options;
        var master = await DomainWriter.OpenAsync(_host.Master, _host.QemuImg, options.WriterFor(_host.Lockspace), _logger, cancellationToken).ConfigureAwait(false);
        _writers = _writers.SetItem(options.Master, master);
        LeaseHeld?.Invoke();
        _lost.Dispose();
        _lost = new CancellationTokenSource();
        long lver = (long)master.LeaseVersion;
        Interlocked.Exchange(ref _lver, lver);
        master.CheckLease();
        var md = await _host.Master.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        var pool = PoolMetadata.From(md, options.Master);
        await _host.Master.WriteDomainMetadataAsync((pool with { SpmId = options.HostId, SpmLver = lver }).ApplyTo(md), cancellationToken).ConfigureAwait(false);
        foreach (var (domain, status) in pool.Domains)
        {
            if (domain == options.Master || status != PoolMetadata.Active)
            {
                continue;
            }

            try
            {
                var store = await _host.StoreAsync(domain, cancellationToken).ConfigureAwait(false);
                await _host.EnsureJoinedAsync(domain, cancellationToken).ConfigureAwait(false);
                var lockspace = _host.LockspaceOf(domain)
                    ?? throw new SanpoolException(Leases.LeaseErrors.NoLockspace, $"host {options.HostId} holds no host id in the lockspace of domain {domain}");
                _writers = _writers.SetItem(domain, await DomainWriter.OpenAsync(store, _host.QemuImg, options.WriterFor(lockspace), _logger, cancellationToken)
                    .ConfigureAwait(false));
            }
            catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The SPM serves the domains it reaches; the monitor hands the role on if another host reaches them all.
                LogDomainSkipped(_logger, options.Pool, domain, options.HostId, e.OneLine);
            }
        }

        // Tasks are settled while still Contend: no verb is accepted, and no task is read, before they are.
        var recovered = _writers.Values.SelectMany(w => w.Recovered).ToList();
        await Tasks.LoadAsync(recovered, cancellationToken).ConfigureAwait(false);
        _state = SpmState.Spm;
        _watch = WatchAsync(_lost.Token);
        Started?.Invoke(_lost.Token);
        LogSpmStarted(_logger, options.Pool, options.HostId, lver, _writers.Count, recovered.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != SpmState.Spm)
            {
                return;
            }

            if (Tasks.Running.Count > 0)
            {
                throw new SanpoolException(PoolErrors.TaskRunning,
                    $"pool {_host.Options.Pool}: {Tasks.Running.Count} task(s) still running ({string.Join(", ", Tasks.Running)}); wait for them before spm stop", true);
            }

            CheckLease();
            await ClearSpmIdAsync(_host.Master, _host.Options.Master, cancellationToken).ConfigureAwait(false);
            await _lost.CancelAsync().ConfigureAwait(false);
            _state = SpmState.Free;
            await CloseWritersAsync().ConfigureAwait(false);
            LogSpmStopped(_logger, _host.Options.Pool, _host.Options.HostId, "spm stop");
        }
        finally
        {
            _transition.Release();
        }
    }

    /// <summary>
    /// Attaches <paramref name="domain"/> to the pool (PoolAdmin.AttachAsync under the master's
    /// writer and a new writer of the domain, which the SPM keeps: the domain is served at once).
    /// Other hosts find it in the pool keys at their monitor's next cycle and join its lockspace.
    /// </summary>
    public async Task<PoolMetadata> AttachAsync(Guid domain, CancellationToken cancellationToken)
    {
        await _transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RequireSpmAsync(cancellationToken).ConfigureAwait(false);
            CheckLease();
            if (_writers.ContainsKey(domain))
            {
                throw new SanpoolException(PoolErrors.DomainAttached, $"domain {domain} is already an Active domain of pool {_host.Options.Pool}");
            }

            var store = await _host.AttachingStoreAsync(domain, cancellationToken).ConfigureAwait(false);
            var lockspace = _host.LockspaceOf(domain)
                ?? throw new SanpoolException(Leases.LeaseErrors.NoLockspace, $"host {_host.Options.HostId} could not join the lockspace of domain {domain}");
            var writer = await DomainWriter.OpenAsync(store, _host.QemuImg, _host.Options.WriterFor(lockspace), _logger, cancellationToken).ConfigureAwait(false);
            try
            {
                var keys = await PoolAdmin.AttachAsync(_writers[_host.Options.Master], writer, cancellationToken).ConfigureAwait(false);
                _writers = _writers.SetItem(domain, writer);
                LogAttached(_logger, _host.Options.Pool, domain, _host.Options.HostId, "attached");
                return keys;
            }
            catch
            {
                await writer.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _transition.Release();
        }
    }

    /// <summary>Detaches a regular domain of the pool: off the master's list first, then its own POOL_UUID; its writer closed.</summary>
    public async Task<PoolMetadata> DetachAsync(Guid domain, CancellationToken cancellationToken)
    {
        await _transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RequireSpmAsync(cancellationToken).ConfigureAwait(false);
            CheckLease();
            if (domain == _host.Options.Master)
            {
                throw CommonErrors.Invalid($"domain {domain} is the master of pool {_host.Options.Pool}; move the master first (pool.move-master)");
            }

            // Every task claims its domains shared: holding this one exclusively keeps new tasks off it until it is gone.
            using var claim = ClaimOrRefuse($"pool.detach of domain {domain}", [ResourceRequest.Exclusive(ResourceKey.OfDomain(domain))], "detach once they end");
            var writer = _writers.TryGetValue(domain, out var w)
                ? w
                : throw new SanpoolException(PoolErrors.DomainNotInPool, $"domain {domain} is not an Active domain of pool {_host.Options.Pool} reachable from the SPM");
            var keys = await PoolAdmin.DetachAsync(_writers[_host.Options.Master], writer, cancellationToken).ConfigureAwait(false);
            _writers = _writers.Remove(domain);
            await writer.DisposeAsync().ConfigureAwait(false);
            LogAttached(_logger, _host.Options.Pool, domain, _host.Options.HostId, "detached");
            return keys;
        }
        finally
        {
            _transition.Release();
        }
    }

    /// <summary>
    /// Moves the master role to <paramref name="newMaster"/>, an Active domain this SPM holds
    /// (both SDM leases held: <see cref="MasterMove"/>), with no task running. The role lived
    /// on the old master's lease, so it ends here: the new master is left naming no SPM, the
    /// leases are released, and every host (this one too) reconnects to the new master, where
    /// the election picks the next SPM.
    /// </summary>
    public async Task<PoolMetadata> MoveMasterAsync(Guid newMaster, CancellationToken cancellationToken)
    {
        await _transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RequireSpmAsync(cancellationToken).ConfigureAwait(false);
            var master = _host.Options.Master;
            if (newMaster == master)
            {
                throw CommonErrors.Invalid($"domain {newMaster} is already the master of pool {_host.Options.Pool}");
            }

            using var claim = ClaimOrRefuse($"pool.move-master to {newMaster}",
                [.. _writers.Keys.Select(d => ResourceRequest.Exclusive(ResourceKey.OfDomain(d)))], "the master moves once they end");
            CheckLease();
            var to = _writers.TryGetValue(newMaster, out var writer)
                ? writer
                : throw new SanpoolException(PoolErrors.DomainNotInPool, $"domain {newMaster} is not an Active domain of pool {_host.Options.Pool} reachable from the SPM");
            var others = _writers.Where(w => w.Key != master && w.Key != newMaster).Select(w => w.Value.Store).ToList();
            var moved = await PoolAdmin.MoveMasterAsync(_writers[master], to, others, cancellationToken).ConfigureAwait(false);

            // No SPM named on the new master until the election there picks one.
            var keys = await ClearSpmIdAsync(to.Store, newMaster, cancellationToken).ConfigureAwait(false);
            _state = SpmState.Free;
            await _lost.CancelAsync().ConfigureAwait(false);
            await CloseWritersAsync().ConfigureAwait(false);
            LogSpmStopped(_logger, _host.Options.Pool, _host.Options.HostId, $"the master moved from {master} to {newMaster} (MASTER_VERSION {moved.MasterVersion})");
            return keys;
        }
        finally
        {
            _transition.Release();
        }
    }

    /// <summary>
    /// Gives the role up on purpose while our lease is still good, for instance because this
    /// host cannot reach every domain and another host can: running tasks are cancelled and
    /// left Running for the next SPM to recover (as on a loss), then POOL_SPM_ID = -1 and the
    /// leases are released, so the next SPM need not wait for them to expire.
    /// </summary>
    public async Task StepDownAsync(string why, CancellationToken cancellationToken)
    {
        await _transition.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != SpmState.Spm)
            {
                return;
            }

            _state = SpmState.Free;
            await _lost.CancelAsync().ConfigureAwait(false);
            LogSteppingDown(_logger, _host.Options.Pool, _host.Options.HostId, Interlocked.Read(ref _lver), why);
            await StopTasksOrFenceAsync().ConfigureAwait(false);
            try
            {
                if (_writers.TryGetValue(_host.Options.Master, out var master) && _host.Lockspace.IsValid)
                {
                    master.CheckLease();
                    await ClearSpmIdAsync(_host.Master, _host.Options.Master, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (SanpoolException e)
            {
                // The next SPM overwrites the keys anyway; releasing the leases matters more.
                LogCloseFailed(_logger, _host.Options.Pool, _host.Options.Master, e.OneLine);
            }

            await CloseWritersAsync().ConfigureAwait(false);
            LogSpmStopped(_logger, _host.Options.Pool, _host.Options.HostId, why);
        }
        finally
        {
            _transition.Release();
        }
    }

    /// <summary>
    /// Claims <paramref name="requests"/> at once for a transition, or refuses with TASK_RUNNING
    /// naming the task in the way (tasks claim their domains shared, and queued tasks count).
    /// </summary>
    private ResourceClaim ClaimOrRefuse(string owner, IReadOnlyList<ResourceRequest> requests, string advice)
    {
        return Resources.TryClaim(owner, requests, out string? blocker)
            ?? throw new SanpoolException(PoolErrors.TaskRunning, $"pool {_host.Options.Pool}: {blocker}; {advice}", true);
    }

    /// <summary>Every RoleWatchTick (a second): is our lease still good? If not, drop the role without writing.</summary>
    private async Task WatchAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_host.Options.Timeouts.RoleWatchTick, _host.Options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (!_host.Lockspace.IsValid)
                {
                    await LoseAsync("our host id lease could not be renewed").ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The role is gone: cancel everything at once, write nothing, and let the leases expire.
    /// The tasks are stopped (or the process fenced) and the writers closed under the
    /// transition lock, so no attach, detach or start interleaves with the teardown; a
    /// transition that holds the lock now sees the lost token and fails its next lease check.
    /// </summary>
    private async Task LoseAsync(string why)
    {
        var lost = _lost;
        _state = SpmState.Free;
        await lost.CancelAsync().ConfigureAwait(false);
        LogSpmLost(_logger, _host.Options.Pool, _host.Options.HostId, Interlocked.Read(ref _lver), why);
        await _transition.WaitAsync().ConfigureAwait(false);
        try
        {
            // A start that got the lock first has already torn this term down (StartAsync).
            if (_lost == lost)
            {
                await StopTasksOrFenceAsync().ConfigureAwait(false);
                await CloseWritersAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _transition.Release();
        }
    }

    /// <summary>
    /// Waits up to the kill grace for the cancelled tasks to stop; a task stuck in I/O cannot be
    /// stopped in time, so the process goes (with its qemu-img children), as sanlock would kill it.
    /// </summary>
    private async Task StopTasksOrFenceAsync()
    {
        var grace = _host.Lockspace.Timeouts.KillGrace;
        if (!await Tasks.WaitIdleAsync(grace).ConfigureAwait(false))
        {
            LogSelfFence(_logger, _host.Options.Pool, _host.Options.HostId, grace.TotalSeconds);
            Signals.KillChildrenThenSelf(Signals.SIGKILL);
        }
    }

    /// <summary>Writes POOL_SPM_ID = -1 into the master's keys: no host is SPM now.</summary>
    private static async Task<PoolMetadata> ClearSpmIdAsync(IDomainManifest master, Guid domain, CancellationToken cancellationToken)
    {
        var md = await master.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false);
        var keys = PoolMetadata.From(md, domain) with { SpmId = -1 };
        await master.WriteDomainMetadataAsync(keys.ApplyTo(md), cancellationToken).ConfigureAwait(false);
        return keys;
    }

    /// <summary>
    /// Closes every writer (its SDM lease released, its lockspace left). A domain whose storage
    /// hangs is not waited for beyond the kill grace: its lease is left to expire.
    /// </summary>
    private async Task CloseWritersAsync()
    {
        LeaseReleasing?.Invoke();
        var limit = _host.Lockspace?.Timeouts.KillGrace ?? TimeSpan.FromSeconds(10);
        // Published empty first: from here on a task or an extension asking for a writer gets DOMAIN_NOT_IN_POOL or NOT_SPM, not a closing one.
        var closing = _writers;
        _writers = ImmutableDictionary<Guid, DomainWriter>.Empty;
        foreach (var writer in closing.Values)
        {
            try
            {
                var disposing = writer.DisposeAsync().AsTask();
                if (await Task.WhenAny(disposing, Task.Delay(limit)).ConfigureAwait(false) != disposing)
                {
                    LogCloseFailed(_logger, _host.Options.Pool, writer.Domain, $"no answer within {limit.TotalSeconds:0} s; its SDM lease is left to expire");
                    continue;
                }

                await disposing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is SanpoolException or IOException)
            {
                LogCloseFailed(_logger, _host.Options.Pool, writer.Domain, e.Message);
            }
        }

    }

    public async ValueTask DisposeAsync()
    {
        await _lost.CancelAsync().ConfigureAwait(false);
        if (_watch is not null)
        {
            await _watch.ConfigureAwait(false);
        }

        await Tasks.WaitIdleAsync(_host.Options.Timeouts.TaskDrain).ConfigureAwait(false);
        await CloseWritersAsync().ConfigureAwait(false);
        _lost.Dispose();
        _transition.Dispose();
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "pool {Pool}: host {HostId} is SPM, SDM lease lver {Lver}; {Writers} domain writer(s), {Recovered} operation(s) recovered")]
    private static partial void LogSpmStarted(ILogger logger, Guid pool, int hostId, long lver, int writers, int recovered);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "pool {Pool}: host {HostId} stopped being SPM ({Why})")]
    private static partial void LogSpmStopped(ILogger logger, Guid pool, int hostId, string why);

    [LoggerMessage(EventId = 712, Level = LogLevel.Error, Message = "pool {Pool}: host {HostId} lost the SPM role (lver {Lver}): {Why}; writing nothing more")]
    private static partial void LogSpmLost(ILogger logger, Guid pool, int hostId, long lver, string why);

    [LoggerMessage(EventId = 713, Level = LogLevel.Critical, Message = "pool {Pool}: host {HostId}: a task did not stop within {Grace} s of losing the SPM lease; killing this process")]
    private static partial void LogSelfFence(ILogger logger, Guid pool, int hostId, double grace);

    [LoggerMessage(EventId = 715, Level = LogLevel.Warning, Message = "pool {Pool}: domain {Domain} is not reachable from SPM host {HostId}; its structure cannot change from here: {Error}")]
    private static partial void LogDomainSkipped(ILogger logger, Guid pool, Guid domain, int hostId, string error);

    [LoggerMessage(EventId = 716, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} steps down as SPM (lver {Lver}): {Why}")]
    private static partial void LogSteppingDown(ILogger logger, Guid pool, int hostId, long lver, string why);

    [LoggerMessage(EventId = 717, Level = LogLevel.Information, Message = "pool {Pool}: domain {Domain} {What} by SPM host {HostId}")]
    private static partial void LogAttached(ILogger logger, Guid pool, Guid domain, int hostId, string what);

    [LoggerMessage(EventId = 714, Level = LogLevel.Warning, Message = "pool {Pool}: closing the writer of domain {Domain}: {Error}")]
    private static partial void LogCloseFailed(ILogger logger, Guid pool, Guid domain, string error);
}
