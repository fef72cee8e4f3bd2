using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Core.Logging;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// Watches one host's thin volumes and extends them through the SPM before they fill up
/// (DESIGN section 4, VDSM's VolumeMonitor). Each volume gets a loop that:
/// <list type="number">
/// <item>samples the watermark (every <see cref="ThinMonitorOptions.SampleInterval"/>, or at
/// once when the volume's threshold is crossed, a write is refused, or someone waits for room);</item>
/// <item>asks the <see cref="ExtensionPolicy"/>: arm the write threshold, extend, or nothing
/// (at its maximum the volume stops asking);</item>
/// <item>to extend, sends one request through <see cref="IExtendRequester"/> and waits for it
/// (one in flight per volume: events meanwhile only raise the demand), refreshes the volume,
/// feeds the measured latency to the policy, raises <see cref="Extended"/>, completes the
/// <see cref="WaitForRoomAsync"/> callers it now has room for, and looks again at once (a fast
/// writer may need more already). Failures raise <see cref="ExtendFailed"/> and are retried.</item>
/// </list>
/// Volumes come and go with <see cref="Add"/> (prepare) and <see cref="RemoveAsync"/> (teardown).
/// </summary>
public sealed partial class ThinVolumeMonitor : IAsyncDisposable
{
    private readonly ConcurrentDictionary<IThinVolume, MonitoredVolume> _volumes = new(ReferenceEqualityComparer.Instance);
    private readonly int _hostId;
    private readonly IExtendRequester _requester;
    private readonly ThinMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly LogThrottle _failureLog;

    public ThinVolumeMonitor(int hostId, ExtensionPolicy policy, IExtendRequester requester, TimeProvider time, ILogger logger, ThinMonitorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _hostId = hostId;
        Policy = policy;
        _requester = requester;
        _time = time;
        _logger = logger;
        _options = (options ?? new ThinMonitorOptions()).Validate();
        _origin = time.GetTimestamp();
        _failureLog = new LogThrottle(time, _options.FailureLogInterval);
    }

    /// <summary>A volume was extended and mapped (raised on the volume's loop; keep it short).</summary>
    public event Action<ThinVolumeExtended>? Extended;

    /// <summary>An extension failed; it is retried (raised on the requester's or the loop's thread; keep it short).</summary>
    public event Action<ThinVolumeExtendFailed>? ExtendFailed;

    public ExtensionPolicy Policy { get; }

    public IReadOnlyCollection<IThinVolume> Volumes => [.. _volumes.Keys];

    /// <summary>Starts watching <paramref name="volume"/> (prepare). Adding a watched volume again does nothing.</summary>
    public void Add(IThinVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var entry = new MonitoredVolume(volume, new ThinVolumeTracker(Policy, _options));

        // The loop task exists before the entry is published, so a RemoveAsync racing this Add
        // awaits the real loop (started just below), never a placeholder.
        var loop = new Task<Task>(() => RunAsync(entry, entry.Stopping.Token));
        entry.Loop = loop.Unwrap();
        if (!_volumes.TryAdd(volume, entry))
        {
            entry.Stopping.Dispose();
            return;
        }

        volume.ThresholdCrossed += OnThresholdCrossed;
        volume.OutOfSpace += OnOutOfSpace;
        LogAdded(_logger, _hostId, volume.Volume, volume.Image, volume.Domain, volume.CurrentSize, volume.MaximumSize, Policy.Options.Mode);
        loop.Start(TaskScheduler.Default);
    }

    /// <summary>A snapshot of every monitored volume, for the agent's API.</summary>
    public IReadOnlyList<ThinVolumeStatus> Status()
    {
        var all = new List<ThinVolumeStatus>();
        foreach (var entry in _volumes.Values)
        {
            IThinVolume v = entry.Volume;
            lock (entry.Gate)
            {
                var t = entry.Tracker;
                all.Add(new ThinVolumeStatus(v, v.CurrentSize, v.MaximumSize, v.HighestWrite, entry.Armed, t.State.Rate,
                    Policy.LatencyEstimate(t.State), t.InFlight, t.InFlight ? t.RequestedSize : 0, t.Failures, t.Requests));
            }
        }

        return all;
    }

    /// <summary>Stops watching <paramref name="volume"/> (teardown): a request in flight is cancelled, waiters fail with <see cref="ThinErrors.VolumeRemoved"/>.</summary>
    public async Task RemoveAsync(IThinVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!_volumes.TryRemove(volume, out var entry))
        {
            return;
        }

        volume.ThresholdCrossed -= OnThresholdCrossed;
        volume.OutOfSpace -= OnOutOfSpace;
        await entry.Stopping.CancelAsync().ConfigureAwait(false);
        await entry.Loop.ConfigureAwait(false);
        entry.FailWaiters();
        entry.Stopping.Dispose();
        _failureLog.Forget(FailureKey(volume));
        LogRemoved(_logger, _hostId, volume.Volume, volume.Domain);
    }

    /// <summary>
    /// Completes when <paramref name="volume"/> has room for a write ending at
    /// <paramref name="offset"/> (its mapped size reaches it), asking for an extension at once if
    /// needed: the VM layer resumes a VM paused on ENOSPC when this completes. Fails with
    /// <see cref="ThinErrors.BeyondMaximum"/> past the maximum and <see cref="ThinErrors.VolumeRemoved"/> on teardown.
    /// </summary>
    public Task WaitForRoomAsync(IThinVolume volume, long offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!_volumes.TryGetValue(volume, out var entry))
        {
            return Task.FromException(new SanpoolException(ThinErrors.VolumeNotMonitored, $"host {_hostId}: volume {volume.Volume} on domain {volume.Domain} is not monitored here"));
        }

        if (offset > volume.MaximumSize)
        {
            return Task.FromException(new SanpoolException(ThinErrors.BeyondMaximum, $"volume {volume.Volume}: offset {offset} is past its maximum size {volume.MaximumSize}"));
        }

        return volume.CurrentSize >= offset ? Task.CompletedTask : entry.AddWaiter(offset, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var volume in _volumes.Keys.ToList())
        {
            await RemoveAsync(volume).ConfigureAwait(false);
        }
    }

    private TimeSpan Now() => _time.GetElapsedTime(_origin);

    private void OnThresholdCrossed(IThinVolume volume, long end)
    {
        if (_volumes.TryGetValue(volume, out var entry))
        {
            lock (entry.Gate)
            {
                entry.Armed = -1;
            }

            entry.Wake();
        }
    }

    private void OnOutOfSpace(IThinVolume volume, long end)
    {
        if (_volumes.TryGetValue(volume, out var entry))
        {
            lock (entry.Gate)
            {
                entry.Tracker.NeedRoom(end);
            }

            entry.Wake();
        }
    }

    private async Task RunAsync(MonitoredVolume entry, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan? wait;
            try
            {
                wait = await StepAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The volume or the policy threw (e.g. a volume torn down under us): keep watching, slower.
                LogLoopFailed(_logger, _hostId, entry.Volume.Volume, entry.Volume.Domain, e.Message);
                wait = _options.RetryInitial;
            }

            if (wait is TimeSpan timeout)
            {
                try
                {
                    await entry.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One look at the volume; returns how long to wait for the next (null: look again at once).</summary>
    private async Task<TimeSpan?> StepAsync(MonitoredVolume entry, CancellationToken cancellationToken)
    {
        IThinVolume volume = entry.Volume;
        TimeSpan now = Now();
        long current = volume.CurrentSize;
        long maximum = volume.MaximumSize;
        long written = volume.HighestWrite;
        ExtensionDecision decision;
        TimeSpan retryAt;
        lock (entry.Gate)
        {
            entry.Tracker.Observe(now, written);
            decision = entry.Tracker.Decide(current, maximum, written);
            retryAt = entry.Tracker.RetryAt;
        }

        entry.SettleWaiters(current, maximum);
        switch (decision.Action)
        {
            case ExtensionAction.AtMaximum:
                if (!entry.LoggedAtMaximum)
                {
                    entry.LoggedAtMaximum = true;
                    LogAtMaximum(_logger, _hostId, volume.Volume, volume.Domain, maximum);
                }

                return _options.SampleInterval;
            case ExtensionAction.Arm:
                Arm(entry, decision.Threshold);
                return _options.SampleInterval;
            default:
                if (now < retryAt)
                {
                    return retryAt - now;
                }

                await ExtendAsync(entry, current, written, decision, cancellationToken).ConfigureAwait(false);
                return null;
        }
    }

    private static void Arm(MonitoredVolume entry, long threshold)
    {
        lock (entry.Gate)
        {
            if (entry.Armed == threshold)
            {
                return;
            }

            // Set before arming: a threshold already crossed fires at once, on this thread, and resets it.
            entry.Armed = threshold;
        }

        entry.Volume.SetWriteThreshold(threshold);
    }

    private async Task ExtendAsync(MonitoredVolume entry, long oldSize, long written, ExtensionDecision decision, CancellationToken cancellationToken)
    {
        IThinVolume volume = entry.Volume;
        lock (entry.Gate)
        {
            entry.Tracker.Started(Now(), decision.NewSize);
        }

        LogRequesting(_logger, _hostId, volume.Volume, volume.Domain, oldSize, decision.NewSize, written, decision.FreeWanted, (long)decision.Rate);
        try
        {
            await _requester.ExtendAsync(volume, decision.NewSize, failure => OnRequestFailed(entry, failure), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            int attempt;
            lock (entry.Gate)
            {
                attempt = entry.Tracker.Threw(Now());
            }

            ReportFailure(entry, new ExtendFailure(ExtendFailureKind.RequestError, e.Message), attempt);
            return;
        }

        long newSize = await RefreshAsync(entry, cancellationToken).ConfigureAwait(false);
        if (newSize <= oldSize)
        {
            // "Done" but no bigger (VDSM verifies the same after its refresh): do not ask again in a tight loop.
            int attempt;
            lock (entry.Gate)
            {
                attempt = entry.Tracker.Threw(Now());
            }

            ReportFailure(entry, new ExtendFailure(ExtendFailureKind.Rejected, $"the SPM answered but the volume is still {newSize} bytes"), attempt);
            return;
        }

        TimeSpan latency;
        lock (entry.Gate)
        {
            latency = entry.Tracker.Completed(Now(), newSize);
            entry.Armed = -1;
            entry.LoggedAtMaximum = false;
        }

        LogExtended(_logger, _hostId, volume.Volume, volume.Domain, oldSize, newSize, latency.TotalMilliseconds);
        entry.SettleWaiters(newSize, volume.MaximumSize);
        Raise(Extended, new ThinVolumeExtended(volume, oldSize, newSize, latency));
    }

    /// <summary>Re-reads the volume after the SPM extended it; a failed refresh is retried (not re-requested) after a backoff.</summary>
    private async Task<long> RefreshAsync(MonitoredVolume entry, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await entry.Volume.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                int attempt;
                TimeSpan retryAt;
                lock (entry.Gate)
                {
                    attempt = entry.Tracker.RefreshFailed(Now());
                    retryAt = entry.Tracker.RetryAt;
                }

                ReportFailure(entry, new ExtendFailure(ExtendFailureKind.RefreshFailed, e.Message), attempt);
                await Task.Delay(retryAt - Now(), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void OnRequestFailed(MonitoredVolume entry, ExtendFailure failure)
    {
        int attempt;
        lock (entry.Gate)
        {
            attempt = entry.Tracker.Failed();
        }

        ReportFailure(entry, failure, attempt);
    }

    /// <summary>Raises <see cref="ExtendFailed"/> every time, but logs a volume's failures at most once per interval.</summary>
    private void ReportFailure(MonitoredVolume entry, ExtendFailure failure, int attempt)
    {
        if (_failureLog.ShouldLog(FailureKey(entry.Volume), out int unlogged))
        {
            LogFailed(_logger, _hostId, entry.Volume.Volume, entry.Volume.Domain, failure.Kind, attempt, unlogged, failure.Message);
        }

        Raise(ExtendFailed, new ThinVolumeExtendFailed(entry.Volume, failure, attempt));
    }

    private static string FailureKey(IThinVolume volume) => $"{volume.Domain}/{volume.Volume}";

    private void Raise<T>(Action<T>? handlers, T args)
    {
        try
        {
            handlers?.Invoke(args);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A subscriber's bug must not stop the volume's monitoring.
            LogSubscriberFailed(_logger, _hostId, typeof(T).Name, e.Message);
        }
    }

    [LoggerMessage(EventId = 840, Level = LogLevel.Information, Message = "host {HostId}: monitoring thin volume {Volume} (image {Image}, domain {Domain}), {Size} of at most {Maximum} bytes, {Mode} policy")]
    private static partial void LogAdded(ILogger logger, int hostId, Guid volume, Guid image, Guid domain, long size, long maximum, ExtensionMode mode);

    [LoggerMessage(EventId = 841, Level = LogLevel.Information, Message = "host {HostId}: no longer monitoring thin volume {Volume} (domain {Domain})")]
    private static partial void LogRemoved(ILogger logger, int hostId, Guid volume, Guid domain);

    [LoggerMessage(EventId = 842, Level = LogLevel.Debug, Message = "host {HostId}: asking to extend volume {Volume} (domain {Domain}) from {OldSize} to {NewSize} bytes; watermark {Written}, free wanted {FreeWanted}, rate {Rate} B/s")]
    private static partial void LogRequesting(ILogger logger, int hostId, Guid volume, Guid domain, long oldSize, long newSize, long written, long freeWanted, long rate);

    [LoggerMessage(EventId = 843, Level = LogLevel.Information, Message = "host {HostId}: volume {Volume} (domain {Domain}) extended from {OldSize} to {NewSize} bytes in {LatencyMs:F1} ms")]
    private static partial void LogExtended(ILogger logger, int hostId, Guid volume, Guid domain, long oldSize, long newSize, double latencyMs);

    [LoggerMessage(EventId = 844, Level = LogLevel.Warning, Message = "host {HostId}: extending volume {Volume} (domain {Domain}) failed ({Kind}, failure {Attempt}; {Unlogged} more since the last log): {Error}; retrying")]
    private static partial void LogFailed(ILogger logger, int hostId, Guid volume, Guid domain, ExtendFailureKind kind, int attempt, int unlogged, string error);

    [LoggerMessage(EventId = 845, Level = LogLevel.Information, Message = "host {HostId}: volume {Volume} (domain {Domain}) is at its maximum of {Maximum} bytes; no more extensions")]
    private static partial void LogAtMaximum(ILogger logger, int hostId, Guid volume, Guid domain, long maximum);

    [LoggerMessage(EventId = 846, Level = LogLevel.Error, Message = "host {HostId}: monitoring volume {Volume} (domain {Domain}) failed: {Error}; looking again shortly")]
    private static partial void LogLoopFailed(ILogger logger, int hostId, Guid volume, Guid domain, string error);

    [LoggerMessage(EventId = 847, Level = LogLevel.Error, Message = "host {HostId}: a {Event} subscriber threw: {Error}")]
    private static partial void LogSubscriberFailed(ILogger logger, int hostId, string @event, string error);
}
