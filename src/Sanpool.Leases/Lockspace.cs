using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// A joined lockspace: our host id lease, renewed in the background, and our view of every
/// other host's liveness, refreshed by the same one-I/O read of the whole area that each
/// renewal does.
///
/// If renewals keep failing, <see cref="IdRenewalFail"/> after the last success the lockspace
/// fails: <see cref="Lost"/> is cancelled, <see cref="Failed"/> is raised (the lease daemon
/// fences the holders there) and renewal stops. Nobody else may take our leases before
/// host_dead, which is later by the watchdog margin; that margin is the fencing budget.
/// </summary>
public sealed partial class Lockspace : IAsyncDisposable
{
    private readonly LockspaceOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<int, HostStatus> _hosts = [];
    private LeaderRecord _record;
    private ulong _lastSuccess;
    private Task _renewal = Task.CompletedTask;
    private int _failed;
    private int _disposed;

    private Lockspace(LockspaceOptions options, LeaderRecord record, ulong acquiredAt)
    {
        _options = options;
        _logger = options.Logger;
        _record = record;
        _lastSuccess = acquiredAt;
    }

    public string Name => _options.Name;

    public int HostId => _options.HostId;

    public string HostName => _options.HostName;

    public LeaseDisk Disk => _options.Disk;

    public LeaseTimeouts Timeouts => _options.Timeouts;

    public MonotonicClock Clock => _options.Clock;

    /// <summary>Our host generation: grows by one on every acquire of the host id.</summary>
    public ulong Generation => _record.OwnerGeneration;

    /// <summary>Our record as last written.</summary>
    public LeaderRecord Record { get { lock (_lock) { return _record; } } }

    /// <summary>Monotonic second at which the last successful renewal started.</summary>
    public ulong LastSuccess { get { lock (_lock) { return _lastSuccess; } } }

    /// <summary>Cancelled when the lockspace fails: renewal failed for good, or our record was overwritten.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsFailed => Volatile.Read(ref _failed) != 0;

    /// <summary>Raised once, when the lockspace fails, with the reason.</summary>
    public event Action<Lockspace, string>? Failed;

    public TimeSpan IdRenewalFail => Timeouts.IdRenewalFail;

    /// <summary>
    /// True while our host id lease is certainly ours: the last successful renewal was less than
    /// id_renewal_fail ago. Writers protected by leases in this lockspace check it before writing.
    /// </summary>
    public bool IsValid => !IsFailed && Clock.Seconds - LastSuccess < (ulong)Timeouts.IdRenewalFail.TotalSeconds;

    /// <summary>Acquires the host id (with sanlock's delays) and starts renewing it.</summary>
    public static async Task<Lockspace> JoinAsync(LockspaceOptions options, CancellationToken cancellationToken)
    {
        LeaseNames.Validate(options.Name, "lockspace");
        ulong start = options.Clock.Seconds;
        var record = await DeltaLease.AcquireAsync(options.Disk, options.Name, options.HostId, options.HostName,
            options.Timeouts, options.Clock, options.Logger, cancellationToken).ConfigureAwait(false);
        // Count from the write, not the start of the delays: the record's timestamp is when it was written.
        var ls = new Lockspace(options, record, Math.Max(start, record.Timestamp));
        ls._renewal = Task.Run(() => ls.RenewLoopAsync(ls._stop.Token), CancellationToken.None);
        return ls;
    }

    /// <summary>Our view of host <paramref name="hostId"/>, or null if never read.</summary>
    public HostStatus? GetHost(int hostId)
    {
        lock (_lock)
        {
            return _hosts.GetValueOrDefault(hostId);
        }
    }

    public HostState StateOf(int hostId)
    {
        var hs = GetHost(hostId);
        return hs is null ? HostState.Unknown : hs.StateAt(Clock.Seconds, HostId, Timeouts);
    }

    /// <summary>Every host record that is or was held, in id order.</summary>
    public IReadOnlyList<HostStatus> Hosts()
    {
        lock (_lock)
        {
            return [.. _hosts.Values.Where(h => h.OwnerId != 0 || h.Generation != 0).OrderBy(h => h.HostId)];
        }
    }

    /// <summary>Stops renewing and frees the host id (timestamp 0).</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await StopRenewalAsync().ConfigureAwait(false);
        if (!IsFailed)
        {
            var released = await DeltaLease.ReleaseAsync(Disk, HostId, Record, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _record = released;
            }

            LogReleased(_logger, Name, HostId, HostName);
        }
    }

    private async Task StopRenewalAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _renewal.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewLoopAsync(CancellationToken stop)
    {
        var renewal = Timeouts.IdRenewal;
        var retry = TimeSpan.FromSeconds(1);
        bool lastFailed = false;
        while (!stop.IsCancellationRequested && !IsFailed)
        {
            var next = lastFailed ? retry : renewal - TimeSpan.FromSeconds(Clock.Seconds - LastSuccess);
            await Clock.Delay(next, stop).ConfigureAwait(false);
            ulong attempt = Clock.Seconds;
            if (attempt - LastSuccess >= (ulong)Timeouts.IdRenewalFail.TotalSeconds)
            {
                // Stopped (SIGSTOP, a stall) past the renewal-fail time: the lease may be someone
                // else's by now. A late renewal must not make it look valid again.
                Fail($"no successful renewal for {attempt - LastSuccess} s (id_renewal_fail is {Timeouts.IdRenewalFail.TotalSeconds} s); not renewing late");
                break;
            }

            try
            {
                var area = await Disk.ReadAreaAsync(LeaseErrors.LeaderRead, stop).ConfigureAwait(false);
                var renewed = await DeltaLease.RenewAsync(Disk, area, HostId, Record, Clock, stop).ConfigureAwait(false);
                lock (_lock)
                {
                    _record = renewed;
                    _lastSuccess = attempt;
                }

                UpdateHosts(area, Clock.Seconds);
                lastFailed = false;
            }
            catch (SanpoolException e) when (e.Code == LeaseErrors.RenewDiff || e.Code == LeaseErrors.LeaderChecksum || e.Code == LeaseErrors.LeaderMagic)
            {
                Fail($"renewal found our record changed or corrupt: {e.OneLine}");
            }
            catch (SanpoolException e)
            {
                lastFailed = true;
                int left = (int)Timeouts.IdRenewalFail.TotalSeconds - (int)(Clock.Seconds - LastSuccess);
                LogRenewalFailed(_logger, Name, HostId, e.OneLine, left);
            }

            if (!IsValid && !IsFailed)
            {
                Fail($"no successful renewal for {Clock.Seconds - LastSuccess} s (id_renewal_fail is {Timeouts.IdRenewalFail.TotalSeconds} s)");
            }
        }
    }

    private void Fail(string reason)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0)
        {
            return;
        }

        LogFailed(_logger, Name, HostId, reason);
        _lost.Cancel();
        Failed?.Invoke(this, reason);
    }

    private void UpdateHosts(byte[] area, ulong now)
    {
        int sectorSize = Disk.SectorSize;
        int hosts = area.Length / sectorSize;
        lock (_lock)
        {
            for (int id = 1; id <= hosts; id++)
            {
                var sector = area.AsSpan((id - 1) * sectorSize, sectorSize);
                if (sector[..4].IndexOfAnyExcept((byte)0) < 0)
                {
                    continue;
                }

                LeaderRecord lr;
                try
                {
                    lr = LeaseVerifier.VerifyDelta(sector, Name, Disk.Where((long)(id - 1) * sectorSize));
                }
                catch (SanpoolException)
                {
                    continue; // a damaged record tells nothing about liveness
                }

                var old = _hosts.GetValueOrDefault(id);
                bool changed = old is null || old.Timestamp != lr.Timestamp || old.OwnerId != lr.OwnerId || old.Generation != lr.OwnerGeneration;
                _hosts[id] = new HostStatus
                {
                    HostId = id,
                    OwnerId = lr.OwnerId,
                    Generation = lr.OwnerGeneration,
                    Timestamp = lr.Timestamp,
                    IoTimeout = lr.IoTimeout,
                    HostName = lr.ResourceName,
                    FirstCheck = old?.FirstCheck ?? now,
                    LastCheck = now,
                    LastLive = changed ? now : old!.LastLive,
                };
            }
        }
    }

    /// <summary>Stops renewing without releasing (what a crash leaves behind). Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopRenewalAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning,
        Message = "lockspace {Lockspace} host id {HostId}: renewal failed ({Error}); {SecondsLeft} s left before the lease is lost")]
    private static partial void LogRenewalFailed(ILogger logger, string lockspace, int hostId, string error, int secondsLeft);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error,
        Message = "lockspace {Lockspace} host id {HostId}: FAILED, {Reason}")]
    private static partial void LogFailed(ILogger logger, string lockspace, int hostId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information,
        Message = "lockspace {Lockspace} host id {HostId}: released by '{HostName}'")]
    private static partial void LogReleased(ILogger logger, string lockspace, int hostId, string hostName);
}
