using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Storage;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Spm;

/// <summary>
/// The SPM's side of thin provisioning: grows a volume's LV when a host asks through the
/// storage mailbox (VDSM's SPM_MailMonitor extend handler). Requests carry an absolute size,
/// so a request handled twice (a retry, or a new SPM reading the same mail after a failover)
/// never extends twice: an LV already that large is answered with its size and left alone.
/// <list type="bullet">
/// <item>The size is capped at what a fully allocated qcow2 of the volume's capacity gets
/// (capacity x 1.1, whole extents): a volume at its maximum is answered with its size.</item>
/// <item>Only the SPM's writer of the domain extends, so the SDM lease is checked before the
/// LV changes (the store's write fence).</item>
/// <item>An extension claims the volume's image shared from the SPM's
/// <see cref="ResourceManager"/>, as the structural tasks claim theirs, and looks the volume up
/// again once it holds it: a snapshot that makes the leaf INTERNAL, a merge or a delete of it
/// takes the image exclusively, so it runs wholly before or wholly after the extension, and
/// the extension never grows a volume that a task has just removed or replaced. Extensions of
/// one image share the claim, and a copy (which reads its source shared) does not hold them up.</item>
/// <item>Two requests for one volume run one after the other (<see cref="_volumeGates"/>): the
/// same extension can arrive twice at once (a host that asks again in another slot while a new
/// SPM reads its old slot too), and the second must read the size the first made, not extend
/// from the same old size again.</item>
/// <item>A VG without room answers 0 (failure) and remembers the request as waiting; after
/// the domain gets a new LUN the mailbox hands the failed requests back (RetryFailed), and
/// the waiting ones are extended then.</item>
/// </list>
/// </summary>
public sealed partial class VolumeExtender
{
    private const long MiB = 1024 * 1024;

    private readonly SpmRole _role;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(Guid Domain, Guid Volume), long> _capacities = new();
    private readonly ConcurrentDictionary<(Guid Domain, Guid Volume), WaitingExtension> _waiting = new();

    /// <summary>
    /// One gate per volume ever extended in this process, taken around the whole of an
    /// extension of that volume (the mailbox runs several handlers at once). Never removed: a
    /// semaphore per volume a host asked about is small, and removing one while a waiter holds
    /// it would let a third request past.
    /// </summary>
    private readonly ConcurrentDictionary<(Guid Domain, Guid Volume), SemaphoreSlim> _volumeGates = new();

    public VolumeExtender(SpmRole role, ILogger logger)
    {
        _role = role;
        _logger = logger;
    }

    /// <summary>Raised when a request fails for lack of space in the domain; the agent publishes it.</summary>
    public event Action<WaitingExtension>? NoSpace;

    /// <summary>Requests that failed for lack of space and have not been satisfied since.</summary>
    public IReadOnlyList<WaitingExtension> Waiting => [.. _waiting.Values];

    /// <summary>
    /// Grows <paramref name="volume"/> of <paramref name="domain"/> to at least
    /// <paramref name="sizeMiB"/> MiB (capped at its maximum); returns its LV size in MiB, or 0
    /// if it could not (no room, no such volume, not SPM) — the mailbox's failure reply.
    /// </summary>
    public async Task<long> ExtendAsync(int hostId, Guid domain, Guid volume, long sizeMiB, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var gate = _volumeGates.GetOrAdd((domain, volume), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ExtendOneAtATimeAsync(hostId, domain, volume, sizeMiB, started, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<long> ExtendOneAtATimeAsync(int hostId, Guid domain, Guid volume, long sizeMiB, long started, CancellationToken cancellationToken)
    {
        try
        {
            var writer = await _role.WriterAsync(domain, cancellationToken).ConfigureAwait(false);
            var store = writer.Store;
            var stored = await FindAsync(store, domain, volume, cancellationToken).ConfigureAwait(false);
            using var claim = _role.Resources.Claim($"extension of volume {volume} for host {hostId}",
                [ResourceRequest.Shared(ResourceKey.OfDomain(domain)), ResourceRequest.Shared(ResourceKey.OfImage(domain, stored.Image))]);
            if (!claim.IsGranted)
            {
                LogWaiting(_logger, hostId, domain, volume, claim.WaitingFor ?? "its turn");
                await claim.WaitAsync(cancellationToken).ConfigureAwait(false);
                // What the task before us did is on storage now: a removed volume is not extended,
                // and a role lost meanwhile has no writer any more.
                store = (await _role.WriterAsync(domain, cancellationToken).ConfigureAwait(false)).Store;
                stored = await FindAsync(store, domain, volume, cancellationToken).ConfigureAwait(false);
            }

            long maximum = await MaximumAsync(store, stored, cancellationToken).ConfigureAwait(false);
            long target = Math.Min(checked(sizeMiB * MiB), maximum);
            if (stored.Size >= target)
            {
                // Asked before (a retry, or mail a failed-over SPM reads again): already done.
                _waiting.TryRemove((domain, volume), out _);
                LogAlreadyLarge(_logger, hostId, domain, volume, sizeMiB, stored.Size / MiB);
                return stored.Size / MiB;
            }

            var grown = await store.ExtendAsync(stored, target, cancellationToken).ConfigureAwait(false);
            _waiting.TryRemove((domain, volume), out _);
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogExtended(_logger, hostId, domain, volume, stored.Size / MiB, grown.Size / MiB, sizeMiB, elapsed.TotalMilliseconds);
            return grown.Size / MiB;
        }
        catch (SanpoolException e) when (e.Code == LvmErrors.VgFull)
        {
            var waiting = new WaitingExtension(hostId, domain, volume, sizeMiB, DateTimeOffset.UtcNow);
            bool first = _waiting.TryAdd((domain, volume), waiting);
            LogNoSpace(_logger, hostId, domain, volume, sizeMiB, e.Message);
            if (first)
            {
                NoSpace?.Invoke(waiting);
            }

            return 0;
        }
        catch (SanpoolException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(_logger, hostId, domain, volume, sizeMiB, e.OneLine);
            return 0;
        }
    }

    private static async Task<StoredVolume> FindAsync(IDomainManifest store, Guid domain, Guid volume, CancellationToken cancellationToken) =>
        (await store.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(v => v.Volume == volume && !v.Removing)
        ?? throw new SanpoolException(StorageErrors.VolumeNotFound, $"no volume {volume} in domain {domain}");

    /// <summary>Forgets what it knew of the domains (a new SPM term starts clean).</summary>
    public void Reset()
    {
        _capacities.Clear();
        _waiting.Clear();
    }

    /// <summary>The most the volume's LV may get: a fully allocated qcow2 of its capacity (RAW: its size now).</summary>
    private async Task<long> MaximumAsync(IDomainManifest store, StoredVolume stored, CancellationToken cancellationToken)
    {
        var key = (store.Info.Uuid, stored.Volume);
        if (!_capacities.TryGetValue(key, out long maximum))
        {
            var md = await store.ReadMetadataAsync(stored, cancellationToken).ConfigureAwait(false);
            maximum = md.Format == VolumeFormat.COW
                ? store.InitialSize(VolumeFormat.COW, AllocationType.PREALLOCATED, md.Capacity)
                : stored.Size;
            _capacities[key] = maximum;
        }

        return maximum;
    }

    [LoggerMessage(EventId = 864, Level = LogLevel.Information, Message = "SPM: extension of volume {Volume} of domain {Domain} for host {HostId} waits for {Waiting}")]
    private static partial void LogWaiting(ILogger logger, int hostId, Guid domain, Guid volume, string waiting);

    [LoggerMessage(EventId = 852, Level = LogLevel.Information, Message = "SPM: extended volume {Volume} of domain {Domain} for host {HostId}: {FromMiB} -> {ToMiB} MiB (asked {AskedMiB} MiB) in {Ms:F0} ms")]
    private static partial void LogExtended(ILogger logger, int hostId, Guid domain, Guid volume, long fromMiB, long toMiB, long askedMiB, double ms);

    [LoggerMessage(EventId = 853, Level = LogLevel.Debug, Message = "SPM: volume {Volume} of domain {Domain} is already {SizeMiB} MiB; host {HostId} asked {AskedMiB} MiB (a repeated request)")]
    private static partial void LogAlreadyLarge(ILogger logger, int hostId, Guid domain, Guid volume, long askedMiB, long sizeMiB);

    [LoggerMessage(EventId = 854, Level = LogLevel.Warning, Message = "SPM: no space to extend volume {Volume} of domain {Domain} to {AskedMiB} MiB for host {HostId}; waiting for a new LUN (sanpool domain extend): {Error}")]
    private static partial void LogNoSpace(ILogger logger, int hostId, Guid domain, Guid volume, long askedMiB, string error);

    [LoggerMessage(EventId = 855, Level = LogLevel.Warning, Message = "SPM: could not extend volume {Volume} of domain {Domain} to {AskedMiB} MiB for host {HostId}: {Error}")]
    private static partial void LogFailed(ILogger logger, int hostId, Guid domain, Guid volume, long askedMiB, string error);
}
