using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Core.Logging;

namespace Sanpool.Agent.Vm;

/// <summary>
/// Keeps a VM with thin drives running: on a BLOCK_IO_ERROR with <c>nospace</c> (the VM has
/// stopped, werror=enospc) it asks for an extension of the drive at once, and when every
/// stopped drive has space it resumes the VM with <c>cont</c>. Without space (the VG is full)
/// the VM stays paused, <see cref="VmDriveEventKind.NoSpaceWaiting"/> is raised, and the
/// extension is asked again every <see cref="RetryInterval"/> or at <see cref="RetryNow"/>
/// (say, after a LUN was added).
/// <para>
/// One stop produces several events: every request in flight fails, before and after qemu's
/// STOP. They are told apart by episode: a drive's first ENOSPC since the last RESUME is a new
/// pause (counted); more ENOSPC for it before RESUME belong to the same stop. And the resume is
/// decided by <c>query-status</c>, not by the events: <c>cont</c> only while the state is
/// <c>io-error</c>, so a VM that was resumed (or paused by someone) meanwhile is left alone:
/// <code>
///   BLOCK_IO_ERROR(vda) STOP BLOCK_IO_ERROR(vda)  extend(vda)  query-status=io-error  cont  RESUME
///   |-- pause 1 -------------------- same stop --|                                          |-- episode ends
/// </code>
/// If the space given is not enough, the retried write fails again after RESUME: a new pause.
/// </para>
/// All state lives on one loop task that reads the QMP events in order; nothing is locked but
/// the pause counts and times, which callers may read.
/// </summary>
public sealed class VmWatcher : IAsyncDisposable
{
    public static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(5);

    /// <summary>Repeated failures (no space, an I/O error) are logged at most this often per drive.</summary>
    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly VmProcess _vm;
    private readonly Func<VmDrive, CancellationToken, Task<bool>> _extend;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _pauses = [];
    private readonly Dictionary<string, TimeSpan> _pausedTime = [];
    private readonly HashSet<string> _episode = [];
    private readonly HashSet<string> _waiting = [];
    private readonly LogThrottle _logThrottle;
    private TaskCompletionSource _poke = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private QmpSubscription? _subscription;
    private Task<bool>? _pendingRead;
    private Task _loop = Task.CompletedTask;
    private readonly long _origin;
    private long _episodeStart;

    /// <summary>When to ask again (or cont again), on the monotonic clock since <see cref="_origin"/>; zero: now.</summary>
    private TimeSpan _nextAttempt;
    private bool _resumeNeeded;
    private int _disposed;

    /// <param name="vm">A launched VM (its monitor connected).</param>
    /// <param name="extend">Gets the drive more space; true when it has some now, false when there is none (yet).</param>
    public VmWatcher(VmProcess vm, Func<VmDrive, CancellationToken, Task<bool>> extend, ILogger? logger = null, TimeProvider? time = null)
    {
        _vm = vm;
        _extend = extend;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _origin = _time.GetTimestamp();
        _logThrottle = new LogThrottle(_time, LogEvery);
    }

    /// <summary>How long to wait before asking again for a drive that got no space.</summary>
    public TimeSpan RetryInterval { get; init; } = DefaultRetryInterval;

    /// <summary>Raised on the watcher's loop; keep handlers short.</summary>
    public event Action<VmDriveEvent>? DriveEvent;

    /// <summary>Ends when the monitor closes (qemu exited) or the watcher is disposed.</summary>
    public Task Completion => _loop;

    /// <summary>How many ENOSPC pauses the drive has had since the watcher started.</summary>
    public int PauseCount(string driveId)
    {
        lock (_pauses)
        {
            return _pauses.GetValueOrDefault(driveId);
        }
    }

    /// <summary>How long the drive's ENOSPC pauses have kept the VM stopped in all (from the error to the resume).</summary>
    public TimeSpan PausedTime(string driveId)
    {
        lock (_pauses)
        {
            return _pausedTime.GetValueOrDefault(driveId);
        }
    }

    /// <summary>
    /// Subscribes to the VM's events and starts watching. Call it before the guest runs
    /// (between <see cref="VmProcess.LaunchAsync"/> and <c>cont</c>) so no event is missed; on a
    /// VM that already stopped on ENOSPC it picks the stopped drives up from <c>query-block</c>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null)
        {
            throw new InvalidOperationException($"the watcher of VM {_vm.Name} was started already");
        }

        _subscription = _vm.Qmp.Subscribe();
        await RecoverAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Asks again at once for every drive still waiting for space (e.g. after a LUN was added).</summary>
    public void RetryNow() => _poke.TrySetResult();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _subscription!.Reader;
        try
        {
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                Drain(reader);
                if (_waiting.Count > 0 && Due())
                {
                    await ExtendWaitingAsync(cancellationToken).ConfigureAwait(false);
                    Drain(reader); // ENOSPC on another drive may have come meanwhile: no cont then
                }

                if (_waiting.Count == 0 && _resumeNeeded && Due())
                {
                    await ResumeAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            while (await WaitAsync(reader, cancellationToken).ConfigureAwait(false));

            VmLog.WatcherStopped(_logger, _vm.Name, "the monitor closed");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (SanpoolException e)
        {
            VmLog.WatcherStopped(_logger, _vm.Name, e.OneLine);
        }
    }

    private void Drain(ChannelReader<QmpEvent> reader)
    {
        while (reader.TryRead(out var e))
        {
            Apply(e);
        }
    }

    /// <summary>Waits for an event, the retry time, or <see cref="RetryNow"/>; false once the monitor closed.</summary>
    private async Task<bool> WaitAsync(ChannelReader<QmpEvent> reader, CancellationToken cancellationToken)
    {
        // One read wait at a time survives across calls: a timed-out wait is not abandoned.
        _pendingRead ??= reader.WaitToReadAsync(cancellationToken).AsTask();
        bool hasWork = _waiting.Count > 0 || _resumeNeeded;
        if (!hasWork)
        {
            return await ConsumeReadAsync().ConfigureAwait(false);
        }

        TimeSpan untilDue = _nextAttempt - Now;
        if (untilDue <= TimeSpan.Zero)
        {
            return true;
        }

        using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(untilDue, _time, delayCancel.Token);
        var poke = _poke.Task;
        var first = await Task.WhenAny(_pendingRead, delay, poke).ConfigureAwait(false);
        await delayCancel.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == poke)
        {
            _poke = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _nextAttempt = TimeSpan.Zero;
        }

        return first != _pendingRead || await ConsumeReadAsync().ConfigureAwait(false);
    }

    private async Task<bool> ConsumeReadAsync()
    {
        bool more = await _pendingRead!.ConfigureAwait(false);
        _pendingRead = null;
        return more;
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    private bool Due() => Now >= _nextAttempt;

    private void Apply(QmpEvent e)
    {
        switch (e.Name)
        {
            case "BLOCK_IO_ERROR":
                OnIoError(e);
                break;
            case "RESUME":
                OnResume();
                break;
            case "BLOCK_WRITE_THRESHOLD":
                OnThreshold(e);
                break;
        }
    }

    private void OnIoError(QmpEvent e)
    {
        var drive = FindDrive(e.GetString("device"), e.GetString("node-name"));
        string reason = e.GetString("reason") ?? "";
        if (drive is null)
        {
            if (_logThrottle.ShouldLog("?"))
            {
                VmLog.UnknownDrive(_logger, _vm.Name, e.GetString("device") ?? "", e.GetString("node-name") ?? "", reason);
            }

            return;
        }

        if (!e.GetBoolean("nospace") || e.GetString("action") != "stop")
        {
            if (_logThrottle.ShouldLog("io:" + drive.Id))
            {
                VmLog.IoError(_logger, _vm.Name, drive.Id, e.GetString("operation") ?? "", e.GetString("action") ?? "", reason);
            }

            Raise(drive.Id, VmDriveEventKind.IoError, detail: reason);
            return;
        }

        MarkPaused(drive, "BLOCK_IO_ERROR");
    }

    /// <summary>A drive stopped the VM on ENOSPC; counted once per stop (see the class comment).</summary>
    private void MarkPaused(VmDrive drive, string seenIn)
    {
        if (!_episode.Add(drive.Id))
        {
            return;
        }

        if (_episode.Count == 1)
        {
            _episodeStart = _time.GetTimestamp();
        }

        int pauses;
        lock (_pauses)
        {
            pauses = _pauses[drive.Id] = _pauses.GetValueOrDefault(drive.Id) + 1;
        }

        _waiting.Add(drive.Id);
        _resumeNeeded = true;
        _nextAttempt = TimeSpan.Zero;
        VmLog.Paused(_logger, _vm.Name, drive.Id, drive.NodeName, pauses, seenIn);
        Raise(drive.Id, VmDriveEventKind.Paused);
    }

    private void OnResume()
    {
        if (_episode.Count == 0)
        {
            return;
        }

        var pausedFor = _time.GetElapsedTime(_episodeStart);
        VmLog.Resumed(_logger, _vm.Name, string.Join(",", _episode), pausedFor.TotalMilliseconds);
        foreach (string id in _episode)
        {
            lock (_pauses)
            {
                _pausedTime[id] = _pausedTime.GetValueOrDefault(id) + pausedFor;
            }

            Raise(id, VmDriveEventKind.Resumed, pausedFor: pausedFor);
        }

        // Resumed by us or by someone else: a drive still short of space fails again, which is a new pause.
        _episode.Clear();
        _waiting.Clear();
        _resumeNeeded = false;
    }

    private void OnThreshold(QmpEvent e)
    {
        string node = e.GetString("node-name") ?? "";
        var drive = _vm.Options.Drives.FirstOrDefault(d => d.ThresholdNode == node || d.NodeName == node);
        if (drive is not null)
        {
            Raise(drive.Id, VmDriveEventKind.ThresholdCrossed, offset: e.GetInt64("write-threshold"),
                detail: $"node {node} exceeded by {e.GetInt64("amount-exceeded")} bytes");
        }
    }

    private async Task ExtendWaitingAsync(CancellationToken cancellationToken)
    {
        foreach (string id in _waiting.ToArray())
        {
            var drive = _vm.Drive(id);
            long start = _time.GetTimestamp();
            string? why = null;
            bool extended;
            try
            {
                extended = await _extend(drive, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // the extension is the lead's code and may fail any way; the VM stays paused and it is retried
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                extended = false;
                why = e is SanpoolException s ? s.OneLine : e.Message;
            }

            if (extended)
            {
                _waiting.Remove(id);
                VmLog.Extended(_logger, _vm.Name, id, _time.GetElapsedTime(start).TotalMilliseconds);
                Raise(id, VmDriveEventKind.Extended);
                continue;
            }

            why ??= "no space";
            if (_logThrottle.ShouldLog("wait:" + id))
            {
                VmLog.StillWaiting(_logger, _vm.Name, id, why, RetryInterval.TotalSeconds);
            }

            Raise(id, VmDriveEventKind.NoSpaceWaiting, detail: why);
        }

        if (_waiting.Count > 0)
        {
            _nextAttempt = Now + RetryInterval;
        }
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var state = await _vm.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
            if (state.IsIoError)
            {
                await _vm.ContAsync(cancellationToken).ConfigureAwait(false);
                VmLog.Continuing(_logger, _vm.Name, _time.GetElapsedTime(_episodeStart).TotalMilliseconds);
            }
            else
            {
                VmLog.NotResuming(_logger, _vm.Name, state.Status);
            }

            _resumeNeeded = false;
        }
        catch (SanpoolException e) when (e.Code == VmErrors.QmpCommandFailed || e.Code == VmErrors.QmpTimeout)
        {
            if (_logThrottle.ShouldLog("cont"))
            {
                VmLog.ContFailed(_logger, _vm.Name, e.OneLine, RetryInterval.TotalSeconds);
            }

            _nextAttempt = Now + RetryInterval;
        }
    }

    /// <summary>Picks up drives that stopped the VM on ENOSPC before the watcher listened.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var state = await _vm.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
        if (!state.IsIoError)
        {
            return;
        }

        var block = await _vm.Qmp.ExecuteAsync("query-block", cancellationToken).ConfigureAwait(false);
        foreach (var entry in block.EnumerateArray())
        {
            if (!entry.TryGetProperty("io-status", out var status) || status.GetString() != "nospace")
            {
                continue;
            }

            string? device = entry.TryGetProperty("device", out var d) ? d.GetString() : null;
            string? node = entry.TryGetProperty("inserted", out var ins) && ins.TryGetProperty("node-name", out var n) ? n.GetString() : null;
            if (FindDrive(device, node) is { } drive)
            {
                MarkPaused(drive, "query-block");
            }
        }
    }

    private VmDrive? FindDrive(string? device, string? node) =>
        _vm.Options.Drives.FirstOrDefault(d => !string.IsNullOrEmpty(device) && d.Id == device)
        ?? _vm.Options.Drives.FirstOrDefault(d => !string.IsNullOrEmpty(node) && (d.NodeName == node || d.ThresholdNode == node));

    private void Raise(string driveId, VmDriveEventKind kind, TimeSpan? pausedFor = null, long? offset = null, string? detail = null)
    {
        var e = new VmDriveEvent(_vm.Name, driveId, kind, _time.GetUtcNow(), PauseCount(driveId), pausedFor, offset, detail);
        try
        {
            DriveEvent?.Invoke(e);
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop the watcher: the VM would stay paused
        catch (Exception ex)
#pragma warning restore CA1031
        {
            VmLog.EventHandlerFailed(_logger, _vm.Name, kind.ToString(), ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _subscription?.Dispose();
        _stop.Dispose();
    }
}
