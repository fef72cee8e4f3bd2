using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Storage.Journal;

namespace Sanpool.Pool.Monitor;

/// <summary>
/// Every <see cref="PoolTimeouts.MonitorPeriod"/>, checks each Active domain of the pool from this host (a
/// direct read of its master area within its io_timeout; the free space every few cycles),
/// writes this host's <see cref="HostReport"/> into its slot of the master area, and reads
/// the reports of the other live hosts. The election asks it two things: does this host see
/// every domain, and does some other live host. A check that hangs (lost storage) is not
/// waited for: the domain is reported unreadable while the read stays outstanding, and no
/// second read is stacked on it.
/// </summary>
public sealed partial class DomainMonitor : IAsyncDisposable
{
    private const int SpaceEvery = 5;

    private readonly PoolHost _host;
    private readonly Func<string> _spmState;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, IBlockDevice> _areas = new();
    private readonly Dictionary<Guid, Task<DomainStatus>> _outstanding = [];
    private readonly Dictionary<int, Seen> _others = [];
    private readonly Dictionary<Guid, Task> _joins = [];
    private readonly TimeProvider _time;
    private readonly PoolTimeouts _timeouts;
    private readonly long _started;
    private readonly object _lock = new();
    private Dictionary<Guid, DomainStatus> _statuses = [];
    private IBlockDevice? _reportDevice;
    private SlotArea? _reportArea;
    private long _sequence;
    private long _cycle;
    private TimeSpan _sawAllAt;
    private bool _seesAll;

    public DomainMonitor(PoolHost host, string? socket, string? tcp, Func<string> spmState, ILogger logger)
    {
        _host = host;
        Socket = socket;
        Tcp = tcp;
        _spmState = spmState;
        _logger = logger;
        Pool = host.Pool;
        _time = host.Options.Time;
        _timeouts = host.Options.Timeouts;
        _started = _time.GetTimestamp();
    }

    public string? Socket { get; }

    /// <summary>Raised when the master's metadata says it is no longer the pool's master (WRONG_MASTER).</summary>
    public event Action? MasterMoved;

    public string? Tcp { get; }

    /// <summary>The pool keys as last read by the monitor (at most one cycle old).</summary>
    public PoolMetadata Pool { get; private set; }

    /// <summary>How this host saw each Active domain at the last check.</summary>
    public IReadOnlyDictionary<Guid, DomainStatus> Statuses => _statuses;

    /// <summary>Whether every Active domain was readable at the last check.</summary>
    public bool SeesAll => _seesAll;

    /// <summary>Whether a cycle has completed since the monitor started.</summary>
    public bool HasChecked => Interlocked.Read(ref _cycle) > 0;

    /// <summary>How long this host has not seen every domain (zero while it does).</summary>
    public TimeSpan MissingFor => _seesAll ? TimeSpan.Zero : Elapsed - _sawAllAt;

    /// <summary>The fresh reports of the other live hosts.</summary>
    public IReadOnlyList<HostReport> Others
    {
        get
        {
            lock (_lock)
            {
                var now = Elapsed;
                return [.. _others.Values.Where(s => now - s.ChangedAt < _timeouts.ReportStaleAfter).Select(s => s.Report).OrderBy(r => r.HostId)];
            }
        }
    }

    /// <summary>The live hosts, other than this one, that see every domain of the pool.</summary>
    public IReadOnlyList<int> OthersSeeingAll => [.. Others.Where(r => r.SeesAll).Select(r => r.HostId)];

    /// <summary>The fresh report of <paramref name="hostId"/>, or null.</summary>
    public HostReport? ReportOf(int hostId) => Others.FirstOrDefault(r => r.HostId == hostId);

    public async Task RunAsync(CancellationToken stop)
    {
        _sawAllAt = Elapsed;
        using var timer = new PeriodicTimer(_timeouts.MonitorPeriod, _time);
        do
        {
            try
            {
                await CycleAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SanpoolException or IOException or InvalidDataException)
            {
                LogCycleFailed(_logger, _host.Options.Pool, _host.Options.HostId, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }

    /// <summary>One round: pool keys, every Active domain, our report, the others' reports.</summary>
    public async Task CycleAsync(CancellationToken cancellationToken)
    {
        long cycle = Interlocked.Increment(ref _cycle);
        try
        {
            Pool = await _host.ReadPoolAsync(cancellationToken).WaitAsync(_timeouts.CheckTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == PoolErrors.WrongMaster)
        {
            // The master role moved (or this domain is no longer ours): the host must reconnect.
            LogPoolUnread(_logger, _host.Options.Pool, _host.Options.Master, _host.Options.HostId, e.Message);
            MasterMoved?.Invoke();
            return;
        }
        catch (Exception e) when (e is SanpoolException or TimeoutException)
        {
            // The master's metadata did not answer: its direct read below says the same.
            LogPoolUnread(_logger, _host.Options.Pool, _host.Options.Master, _host.Options.HostId, e.Message);
        }

        var statuses = new Dictionary<Guid, DomainStatus>();
        foreach (var domain in Pool.Domains.Where(d => d.Value == PoolMetadata.Active).Select(d => d.Key))
        {
            statuses[domain] = await CheckAsync(domain, cycle % SpaceEvery == 1, cancellationToken).ConfigureAwait(false);
        }

        bool all = statuses.Values.All(s => s.Readable);
        foreach (var (domain, status) in statuses)
        {
            bool before = !_statuses.TryGetValue(domain, out var old) || old.Readable;
            if (before != status.Readable)
            {
                if (status.Readable)
                {
                    LogDomainBack(_logger, _host.Options.Pool, domain, _host.Options.HostId, status.LatencyMs);
                }
                else
                {
                    LogDomainLost(_logger, _host.Options.Pool, domain, _host.Options.HostId, status.Error ?? "");
                }
            }
        }

        _statuses = statuses;
        _seesAll = all;
        JoinMissingLockspaces(statuses, cancellationToken);
        if (all)
        {
            _sawAllAt = Elapsed;
        }

        await ReportAsync(statuses, all, cancellationToken).ConfigureAwait(false);
        await ReadOthersAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// In the background, joins the lockspace of each readable Active domain where this host
    /// holds no valid host id (attached since it connected, or failed while it was lost), so a
    /// failover there waits one host_dead, not two.
    /// </summary>
    private void JoinMissingLockspaces(Dictionary<Guid, DomainStatus> statuses, CancellationToken cancellationToken)
    {
        foreach (var domain in statuses.Values.Where(s => s.Readable).Select(s => s.Domain))
        {
            if (_host.LockspaceOf(domain) is null && domain != _host.Options.Master
                && (!_joins.TryGetValue(domain, out var joining) || joining.IsCompleted))
            {
                _joins[domain] = JoinQuietlyAsync(domain, cancellationToken);
            }
        }
    }

    private async Task JoinQuietlyAsync(Guid domain, CancellationToken cancellationToken)
    {
        try
        {
            await _host.EnsureJoinedAsync(domain, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SanpoolException or OperationCanceledException or IOException)
        {
            LogCycleFailed(_logger, _host.Options.Pool, _host.Options.HostId, $"joining the lockspace of domain {domain}: {e.Message}");
        }
    }

    private async Task<DomainStatus> CheckAsync(Guid domain, bool withSpace, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        var checkTimeout = _timeouts.CheckTimeout;
        if (_outstanding.TryGetValue(domain, out var pending) && !pending.IsCompleted)
        {
            return Unreadable(domain, $"a read has been outstanding for over {checkTimeout.TotalSeconds:0} s", checkTimeout.TotalMilliseconds);
        }

        var check = CheckCoreAsync(domain, withSpace, cancellationToken);
        _outstanding[domain] = check;
        if (await Task.WhenAny(check, Task.Delay(checkTimeout, _time, cancellationToken)).ConfigureAwait(false) != check)
        {
            return Unreadable(domain, $"no answer within {checkTimeout.TotalSeconds:0} s", _time.GetElapsedTime(start).TotalMilliseconds);
        }

        return await check.ConfigureAwait(false);
    }

    private async Task<DomainStatus> CheckCoreAsync(Guid domain, bool withSpace, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        try
        {
            var store = await _host.StoreAsync(domain, cancellationToken).ConfigureAwait(false);
            if (!_areas.TryGetValue(domain, out var area))
            {
                area = await store.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
                _areas[domain] = area;
            }

            start = _time.GetTimestamp();
            var timeout = TimeSpan.FromSeconds(Math.Max(1, store.Info.IoTimeout));
            await area.ReadAsync(0, area.SectorSize, timeout, cancellationToken).ConfigureAwait(false);
            double latency = _time.GetElapsedTime(start).TotalMilliseconds;
            _statuses.TryGetValue(domain, out var last);
            long? free = last?.FreeBytes, total = last?.TotalBytes;
            if (withSpace || free is null)
            {
                var space = await store.ReadSpaceAsync(cancellationToken).ConfigureAwait(false);
                (free, total) = (space.Free, space.Total);
            }

            return new DomainStatus { Domain = domain, Readable = true, LatencyMs = Math.Round(latency, 2), FreeBytes = free, TotalBytes = total, Checked = Now() };
        }
        catch (Exception e) when (e is SanpoolException or IOException or UnauthorizedAccessException)
        {
            if (_areas.TryRemove(domain, out var broken))
            {
                // Reopened next time: a lost device may come back as another.
                await DisposeQuietlyAsync(broken).ConfigureAwait(false);
            }

            return Unreadable(domain, e is SanpoolException s ? s.OneLine : e.Message, _time.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    private async Task ReportAsync(Dictionary<Guid, DomainStatus> statuses, bool all, CancellationToken cancellationToken)
    {
        var report = new HostReport
        {
            HostId = _host.Options.HostId,
            HostName = _host.Options.HostName,
            Sequence = ++_sequence,
            Time = Now(),
            Spm = _spmState(),
            SeesAll = all,
            Domains = [.. statuses.Values],
            Socket = Socket,
            Tcp = Tcp,
        };
        try
        {
            var area = await ReportAreaAsync(cancellationToken).ConfigureAwait(false);
            await area.WriteAsync(Slot(_host.Options.HostId), report.ToJson(), cancellationToken).WaitAsync(_timeouts.CheckTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SanpoolException or TimeoutException or IOException)
        {
            await ForgetReportAreaAsync().ConfigureAwait(false);
            LogReportFailed(_logger, _host.Options.Pool, _host.Options.HostId, e.Message);
        }
    }

    private async Task ReadOthersAsync(CancellationToken cancellationToken)
    {
        var live = _host.Lockspace.Hosts().Select(h => h.HostId)
            .Where(h => h != _host.Options.HostId && h <= MasterArea.HostReports.Slots && _host.Lockspace.StateOf(h) == HostState.Live).ToList();
        foreach (int hostId in live)
        {
            try
            {
                var area = await ReportAreaAsync(cancellationToken).ConfigureAwait(false);
                if (await area.ReadAsync(Slot(hostId), cancellationToken).WaitAsync(_timeouts.CheckTimeout, _time, cancellationToken).ConfigureAwait(false) is not { } body)
                {
                    continue;
                }

                var report = HostReport.FromJson(body);
                lock (_lock)
                {
                    if (!_others.TryGetValue(hostId, out var seen) || seen.Report.Sequence != report.Sequence)
                    {
                        _others[hostId] = new Seen(report, Elapsed);
                    }
                }
            }
            catch (Exception e) when (e is SanpoolException or TimeoutException or IOException or System.Text.Json.JsonException)
            {
                await ForgetReportAreaAsync().ConfigureAwait(false);
                LogReportUnread(_logger, _host.Options.Pool, hostId, _host.Options.HostId, e.Message);
                return;
            }
        }

        lock (_lock)
        {
            foreach (int gone in _others.Keys.Where(h => !live.Contains(h)).ToList())
            {
                _others.Remove(gone);
            }
        }
    }

    private async Task<SlotArea> ReportAreaAsync(CancellationToken cancellationToken)
    {
        if (_reportArea is null)
        {
            _reportDevice = await _host.Master.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
            _reportArea = new SlotArea(_reportDevice, MasterArea.HostReports);
            // Continue our slot's sequence rather than restart it.
            if (await _reportArea.ReadAsync(Slot(_host.Options.HostId), cancellationToken).ConfigureAwait(false) is { } mine)
            {
                _sequence = Math.Max(_sequence, HostReport.FromJson(mine).Sequence);
            }
        }

        return _reportArea;
    }

    private async Task ForgetReportAreaAsync()
    {
        _reportArea = null;
        if (_reportDevice is not null)
        {
            await DisposeQuietlyAsync(_reportDevice).ConfigureAwait(false);
            _reportDevice = null;
        }
    }

    private static int Slot(int hostId) => hostId - 1;

    /// <summary>Time on the monotonic clock since the monitor started (staleness, how long a domain is missed).</summary>
    private TimeSpan Elapsed => _time.GetElapsedTime(_started);

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    private DomainStatus Unreadable(Guid domain, string error, double waitedMs) =>
        new() { Domain = domain, Readable = false, LatencyMs = Math.Round(waitedMs, 2), Error = error, Checked = Now() };

    private static async Task DisposeQuietlyAsync(IBlockDevice device)
    {
        try
        {
            // A device with a hung read cannot be closed until it returns: do not wait for that.
            await device.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SanpoolException or IOException or TimeoutException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ForgetReportAreaAsync().ConfigureAwait(false);
        foreach (var area in _areas.Values)
        {
            await DisposeQuietlyAsync(area).ConfigureAwait(false);
        }

        _areas.Clear();
    }

    private sealed record Seen(HostReport Report, TimeSpan ChangedAt);

    [LoggerMessage(EventId = 750, Level = LogLevel.Warning, Message = "pool {Pool}: domain {Domain} is not readable from host {HostId}: {Error}")]
    private static partial void LogDomainLost(ILogger logger, Guid pool, Guid domain, int hostId, string error);

    [LoggerMessage(EventId = 751, Level = LogLevel.Information, Message = "pool {Pool}: domain {Domain} is readable again from host {HostId} ({LatencyMs} ms)")]
    private static partial void LogDomainBack(ILogger logger, Guid pool, Guid domain, int hostId, double latencyMs);

    [LoggerMessage(EventId = 752, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} could not write its report to the master area: {Error}")]
    private static partial void LogReportFailed(ILogger logger, Guid pool, int hostId, string error);

    [LoggerMessage(EventId = 753, Level = LogLevel.Debug, Message = "pool {Pool}: the report of host {Other} could not be read from host {HostId}: {Error}")]
    private static partial void LogReportUnread(ILogger logger, Guid pool, int other, int hostId, string error);

    [LoggerMessage(EventId = 754, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} could not read the pool keys of master {Master}: {Error}")]
    private static partial void LogPoolUnread(ILogger logger, Guid pool, Guid master, int hostId, string error);

    [LoggerMessage(EventId = 755, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId}: monitor cycle failed: {Error}")]
    private static partial void LogCycleFailed(ILogger logger, Guid pool, int hostId, string error);
}
