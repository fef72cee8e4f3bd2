namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// A registered client process: the connection it registered on (its resources live exactly
/// as long as that connection, or, once it is fenced, as long as the process), its resources,
/// and what the holder monitor and the fencer know of it.
/// </summary>
internal sealed class RegisteredClient
{
    private readonly Lock _lock = new();
    private readonly List<ClientLease> _leases = [];
    private readonly TaskCompletionSource _dead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastHeardTicks;
    private int _inFlight;
    private bool _closed;

    public RegisteredClient(int pid, uint uid, ulong startTime, TimeSpan? heartbeat, TimeSpan now)
    {
        Pid = pid;
        Uid = uid;
        StartTime = startTime;
        HeartbeatInterval = heartbeat;
        _lastHeardTicks = now.Ticks;
    }

    public int Pid { get; }

    public uint Uid { get; }

    /// <summary>/proc start time at registration: tells this process from a later one with the same pid.</summary>
    public ulong StartTime { get; }

    public TimeSpan? HeartbeatInterval { get; }

    /// <summary>Monotonic time of the last request from this client.</summary>
    public TimeSpan LastHeard => TimeSpan.FromTicks(Interlocked.Read(ref _lastHeardTicks));

    /// <summary>A request from this client is being handled (a long acquire is not a missed heartbeat).</summary>
    public bool IsBusy => Volatile.Read(ref _inFlight) > 0;

    /// <summary>Monotonic time the monitor first saw the process stopped; null while it runs. Monitor only.</summary>
    public TimeSpan? StoppedSince { get; set; }

    /// <summary>Why it is being fenced; null if it is not.</summary>
    public string? FenceReason { get; private set; }

    /// <summary>SIGKILL at once rather than SIGTERM first (frozen, or silent).</summary>
    public bool FenceNow { get; private set; }

    public bool IsClosed { get { lock (_lock) { return _closed; } } }

    /// <summary>Completes when the fencer has seen the process gone or a zombie.</summary>
    public Task Dead => _dead.Task;

    /// <summary>Completes when the daemon is done with the client: resources released or abandoned, unregistered.</summary>
    public Task Finished => _finished.Task;

    public void Heard(TimeSpan now) => Interlocked.Exchange(ref _lastHeardTicks, now.Ticks);

    public void BeginRequest() => Interlocked.Increment(ref _inFlight);

    public void EndRequest() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// Asks for the client to be fenced. Returns true for the first request (the caller starts
    /// the fencer); false if fencing already runs (a later request can only make it harsher) or
    /// the connection already closed (nothing left to fence).
    /// </summary>
    public bool RequestFence(string reason, bool now, out bool alreadyClosed)
    {
        lock (_lock)
        {
            alreadyClosed = _closed;
            if (_closed)
            {
                return false;
            }

            FenceNow |= now;
            if (FenceReason is not null)
            {
                return false;
            }

            FenceReason = reason;
            return true;
        }
    }

    /// <summary>Marks the connection closed; returns whether fencing had been asked for (then the process must be seen dead before any release).</summary>
    public bool MarkClosed()
    {
        lock (_lock)
        {
            _closed = true;
            return FenceReason is not null;
        }
    }

    public void MarkDead() => _dead.TrySetResult();

    public void MarkFinished() => _finished.TrySetResult();

    public IReadOnlyList<ClientLease> Leases()
    {
        lock (_lock)
        {
            return [.. _leases];
        }
    }

    public bool HoldsIn(JoinedLockspace lockspace)
    {
        lock (_lock)
        {
            return _leases.Exists(l => l.Lockspace == lockspace);
        }
    }

    /// <summary>Adds leases unless the connection closed meanwhile.</summary>
    public bool TryAdd(IReadOnlyList<ClientLease> leases)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _leases.AddRange(leases);
            return true;
        }
    }

    public ClientLease? Remove(ResourceKey key)
    {
        lock (_lock)
        {
            int i = _leases.FindIndex(l => l.Key == key);
            if (i < 0)
            {
                return null;
            }

            var lease = _leases[i];
            _leases.RemoveAt(i);
            return lease;
        }
    }

    public IReadOnlyList<ClientLease> TakeAll()
    {
        lock (_lock)
        {
            var all = _leases.ToArray();
            _leases.Clear();
            return all;
        }
    }
}
