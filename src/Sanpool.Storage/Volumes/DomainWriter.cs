using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// The one writer of a domain's structure, for as long as it is open: it holds this host's
/// writer lock, the host's id in the domain's lockspace, and the SPM lease ("SDM"). Opening it
/// first finishes or undoes whatever a crashed writer left in the journal, so every operation
/// starts from consistent chains. Each storage command line is such a one-shot writer; the
/// host agent keeps one open per domain of its pool while it is SPM (Pool's SpmRole).
/// <code>
/// open:  writer lock -> join lockspace (host id) -> acquire SDM -> read journal -> recover
/// close: release SDM -> leave lockspace -> drop lock          (kill -9: the kernel drops the
///        lock; the SDM lease stays ours until our host id is re-acquired or times out)
/// </code>
/// </summary>
public sealed partial class DomainWriter : IAsyncDisposable
{
    private HostWriterLock? _lock;
    private Lockspace? _lockspace;
    private HeldResource? _sdm;
    private IBlockDevice? _ids;
    private IBlockDevice? _leases;
    private IBlockDevice? _journalDevice;

    private volatile bool _closed;

    private DomainWriter(IVolumeStore store, QemuImg qemuImg, WriterOptions options, ILogger logger)
    {
        Store = store;
        QemuImg = qemuImg;
        Options = options;
        Logger = logger;
    }

    /// <summary>
    /// What changes the domain's volumes: handed out here only, once this writer holds the SDM
    /// lease, fenced by it (<see cref="IVolumeStore.WriteFence"/>). Every other user of the
    /// domain reads it through its <see cref="IDomainManifest"/>.
    /// </summary>
    public IVolumeStore Store { get; }

    public QemuImg QemuImg { get; }

    public WriterOptions Options { get; }

    public ILogger Logger { get; }

    public Guid Domain => Store.Info.Uuid;

    /// <summary>The version of the SPM lease ("SDM") this writer holds: one more than the last holder's.</summary>
    public ulong LeaseVersion => _sdm?.Lver ?? 0;

    internal DomainJournal Journal { get; private set; } = null!;

    /// <summary>The journal's slots taken by live operations (recovered ones first, then every operation begun).</summary>
    public JournalSlots Slots { get; private set; } = null!;

    /// <summary>What recovery did on open: one per interrupted operation.</summary>
    public IReadOnlyList<RecoveredOperation> Recovered { get; private set; } = [];

    /// <summary>Takes the domain's SDM lease for <paramref name="manifest"/>'s domain, recovers what a crashed writer left, and hands out its store.</summary>
    public static async Task<DomainWriter> OpenAsync(IDomainManifest manifest, QemuImg qemuImg, WriterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        // Every domain kind's manifest is also its store; this is the one place that turns one into the other.
        var store = manifest as IVolumeStore
            ?? throw new ArgumentException($"domain {manifest.Info.Uuid} ({manifest.Kind}) has no store that can change it", nameof(manifest));
        var writer = new DomainWriter(store, qemuImg, options, logger);
        try
        {
            var pending = await writer.AcquireAsync(cancellationToken).ConfigureAwait(false);
            await writer.RecoverAsync(pending, cancellationToken).ConfigureAwait(false);
            return writer;
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes the lock, host id and SPM lease, and returns what the journal holds.</summary>
    private async Task<IReadOnlyList<(int Slot, JournalEntry Entry)>> AcquireAsync(CancellationToken cancellationToken)
    {
        _lock = await HostWriterLock.AcquireAsync(Options.RunDirectory, Domain, Options.LockWait, cancellationToken).ConfigureAwait(false);
        var g = Store.Geometry;
        var io = TimeSpan.FromSeconds(Store.Info.IoTimeout);
        string space = Domain.ToString();
        _ids = await Store.OpenIdsAsync(cancellationToken).ConfigureAwait(false);
        _leases = await Store.OpenLeasesAsync(cancellationToken).ConfigureAwait(false);
        var lockspaceOptions = new LockspaceOptions(new LeaseDisk(_ids, 0, g, io), space, Options.HostId, Options.HostName)
        {
            Timeouts = Store.Info.Timeouts,
            Logger = Logger,
        };
        _lockspace = Options.Lockspace ?? await Lockspace.JoinAsync(lockspaceOptions, cancellationToken).ConfigureAwait(false);
        try
        {
            _sdm = await PaxosLease.AcquireAsync(new LeaseDisk(_leases, SpmLease.Offset(g.Alignment), g, io), _lockspace, SpmLease.Name,
                new PaxosAcquireOptions { Logger = Logger }, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == LeaseErrors.AcquireIdLive || e.Code == LeaseErrors.Busy)
        {
            throw new SanpoolException(StorageErrors.DomainBusy, $"domain {Domain}: the SPM lease is held by another host: {e.Message}", true, e);
        }

        LogWriterOpen(Logger, Domain, Options.HostId, Options.HostName, _sdm.Lver);
        // A long-lived store (an agent's) may have cached the domain as it was before the last
        // SPM changed it: recovery and every operation must start from what is there now.
        Store.BeginWriterTerm();
        Store.WriteFence = CheckLease;
        var (journal, pending) = await DomainJournal.OpenAsync(
            _journalDevice = await Store.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false), Domain, cancellationToken).ConfigureAwait(false);
        Journal = journal;
        Slots = new JournalSlots(journal.Slots, pending.Select(p => p.Slot));
        return pending;
    }

    private async Task RecoverAsync(IReadOnlyList<(int Slot, JournalEntry Entry)> pending, CancellationToken cancellationToken)
    {
        var done = new List<RecoveredOperation>();
        foreach (var (slot, entry) in pending)
        {
            CheckLease();
            string what = await Recovery.RunAsync(this, slot, entry, cancellationToken).ConfigureAwait(false);
            LogRecovered(Logger, Domain, entry.Operation, entry.Id, what);
            done.Add(new RecoveredOperation(entry, what));
        }

        Recovered = done;
    }

    /// <summary>
    /// Writes <paramref name="entry"/> into a journal slot of its own (waiting for one if all are
    /// in use): nothing of the operation may happen before this returns.
    /// </summary>
    public async Task<OperationJournal> BeginAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckLease();
        int slot = await Slots.TakeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CheckLease();
            await Journal.UpdateAsync(slot, entry, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The operation did nothing yet. The slot stays taken only if the write may have
            // landed and we can no longer empty it (recovery finds that entry).
            if (await TryEmptyAsync(slot).ConfigureAwait(false))
            {
                Slots.Free(slot);
            }

            throw;
        }

        LogSlotTaken(Logger, Domain, entry.Operation, entry.Id, entry.Task?.ToString() ?? "none", slot);
        return new OperationJournal(this, slot, entry);
    }

    private async Task<bool> TryEmptyAsync(int slot)
    {
        try
        {
            CheckLease();
            await Journal.EndAsync(slot, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SanpoolException or IOException)
        {
            return false;
        }
    }

    /// <summary>Recovery works on a slot an earlier writer left (taken since open).</summary>
    internal void Resume(int slot)
    {
        if (!Slots.IsTaken(slot))
        {
            throw new InvalidOperationException($"journal slot {slot} of domain {Domain} is not one recovery found");
        }
    }

    /// <summary>The slot is empty on storage again: another operation may have it.</summary>
    internal void Release(int slot, JournalEntry entry)
    {
        // Logged before the slot is free: the next "took" of this slot always follows it in the log.
        LogSlotFreed(Logger, Domain, entry.Operation, entry.Id, entry.Task?.ToString() ?? "none", slot);
        Slots.Free(slot);
    }

    /// <summary>Throws if our lockspace failed: a writer whose lease may be gone must stop writing.</summary>
    public void CheckLease()
    {
        if (_closed)
        {
            throw new SanpoolException(LeaseErrors.NoLockspace, $"domain {Domain}: this writer is closed; its SPM lease is released or left to expire");
        }

        if (_lockspace is { IsValid: false })
        {
            throw new SanpoolException(LeaseErrors.NoLockspace, $"domain {Domain}: our host id lease is no longer valid; stopping before the next write");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Store.WriteFence == CheckLease)
        {
            // Volumes still prepared under this writer keep its fence, which now says closed.
            Store.WriteFence = null;
        }

        _closed = true;
        try
        {
            // With our host id possibly expired, another host may hold the SDM lease by now: touch nothing.
            if (_sdm is not null && _lockspace is { IsValid: true })
            {
                await PaxosLease.ReleaseAsync(_sdm, _lockspace, Logger, CancellationToken.None).ConfigureAwait(false);
            }

            if (_lockspace is not null && Options.Lockspace is null)
            {
                await _lockspace.LeaveAsync(CancellationToken.None).ConfigureAwait(false);
                await _lockspace.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var device in new[] { _journalDevice, _leases, _ids })
            {
                if (device is not null)
                {
                    await device.DisposeAsync().ConfigureAwait(false);
                }
            }

            _lock?.Dispose();
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "domain {Domain}: writer open as host {HostId} ({HostName}), SPM lease lver {Lver}")]
    private static partial void LogWriterOpen(ILogger logger, Guid domain, int hostId, string hostName, ulong lver);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "domain {Domain}: {Operation} {Id} (task {Task}) took journal slot {Slot}")]
    private static partial void LogSlotTaken(ILogger logger, Guid domain, string operation, Guid id, string task, int slot);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "domain {Domain}: {Operation} {Id} (task {Task}) freed journal slot {Slot}")]
    private static partial void LogSlotFreed(ILogger logger, Guid domain, string operation, Guid id, string task, int slot);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "domain {Domain}: recovered interrupted {Operation} {Id}: {What}")]
    private static partial void LogRecovered(ILogger logger, Guid domain, string operation, Guid id, string what);
}
