using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sanpool.Leases;

/// <summary>How to acquire a paxos lease.</summary>
public sealed record PaxosAcquireOptions
{
    /// <summary>Hold it shared: many shared holders, no exclusive one.</summary>
    public bool Shared { get; init; }

    /// <summary>Fail with ACQUIRE_OWNED at once instead of waiting host_dead for a silent owner.</summary>
    public bool NoWait { get; init; }

    /// <summary>Upper bound of the random pause after a lost ballot (sanlock: up to 1 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public ILogger Logger { get; init; } = NullLogger.Instance;
}
