namespace Sanpool.LeaseDaemon.Native;

/// <summary>What /proc says of a process, reduced to what fencing needs.</summary>
public enum ProcessState
{
    /// <summary>No such process (or the pid now belongs to another process).</summary>
    Gone,

    /// <summary>Running, sleeping or in uninterruptible I/O: it may still touch the storage.</summary>
    Running,

    /// <summary>Stopped by a signal (T) or by a tracer (t): frozen, SIGTERM does nothing to it.</summary>
    Stopped,

    /// <summary>Exited and not yet reaped (Z, X): it cannot touch anything any more.</summary>
    Zombie,
}
