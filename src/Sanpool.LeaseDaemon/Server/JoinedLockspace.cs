using Sanpool.BlockIO;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>A lockspace of the daemon: the spec it was added with and, once joined, the live <see cref="Leases.Lockspace"/>.</summary>
internal sealed class JoinedLockspace(LeaseSpec spec, int ioTimeoutSeconds)
{
    private int _unsafeLeases;

    public LeaseSpec Spec { get; } = spec;

    public string Name => Spec.Lockspace;

    public int HostId => Spec.HostId;

    public LeaseTimeouts Timeouts { get; } = new(ioTimeoutSeconds);

    /// <summary>Guarded by the registry's lock.</summary>
    public LockspaceState State { get; set; } = LockspaceState.Joining;

    public string? FailReason { get; set; }

    public Lockspace? Lockspace { get; set; }

    public IBlockDevice? Device { get; set; }

    /// <summary>
    /// Leases that could be neither released nor proven abandoned (a fenced holder we could
    /// not see die before shutdown). While there are any, the host id must not be released:
    /// freeing it would let other hosts take those leases at once.
    /// </summary>
    public int UnsafeLeases => Volatile.Read(ref _unsafeLeases);

    public void MarkUnsafeLease() => Interlocked.Increment(ref _unsafeLeases);

    public bool IsUsable => State == LockspaceState.Joined && Lockspace is { IsFailed: false };
}
