using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sanpool.Leases;

/// <summary>What a host needs to join a lockspace.</summary>
public sealed record LockspaceOptions(LeaseDisk Disk, string Name, int HostId, string HostName)
{
    public LeaseTimeouts Timeouts { get; init; } = LeaseTimeouts.Default;

    public MonotonicClock Clock { get; init; } = MonotonicClock.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;
}
