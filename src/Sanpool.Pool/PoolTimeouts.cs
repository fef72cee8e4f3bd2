namespace Sanpool.Pool;

/// <summary>
/// Every delay of the pool layer above the leases, derived in one place (the lease delays are
/// <see cref="Leases.LeaseTimeouts"/>'s, from each domain's io_timeout). The defaults, as one
/// SPM loses sight of a domain that host 2 still reads:
/// <code>
///  t=0      SPM's monitor: domain D unreadable (a check gets CheckTimeout = 10 s at most;
///           a read still outstanding is not stacked on, D just stays unreadable)
///  t=0..2   every MonitorPeriod (2 s) each host writes its report and reads the others'
///  t=10     StepDownAfter = 5 x MonitorPeriod: five checks in a row missed D while host 2's
///           report says it sees all; the SPM's election steps it down
///  t=10..11 host 2's election looks every ElectionTick (1 s): the pool names no live SPM
///  t=11..13 host 2 waits ElectionDelay(priority): 0.1 s at priority 10 .. 2 s at 0, plus up
///           to 0.5 s of jitter, doubled per recent lost try; then contends (the SDM paxos
///           lease decides between contenders)
/// </code>
/// A report whose sequence has not grown for ReportStaleAfter = 5 x MonitorPeriod counts as
/// stale: its host is not considered by the election. The SPM checks its own host id lease
/// every RoleWatchTick and drops the role without writing when it is no longer valid. An
/// agent that cannot connect tries again every ConnectRetry. On shutdown the role waits up to
/// TaskDrain for its tasks to settle.
/// </summary>
public sealed record PoolTimeouts
{
    /// <summary>The defaults above.</summary>
    public static PoolTimeouts Default { get; } = new();

    /// <summary>How often each host's monitor checks every domain and exchanges reports.</summary>
    public TimeSpan MonitorPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one domain check may take before the domain counts as unreadable.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the election looks at the pool's SPM.</summary>
    public TimeSpan ElectionTick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the SPM checks that its host id lease is still valid.</summary>
    public TimeSpan RoleWatchTick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an agent tries again to connect to its pool.</summary>
    public TimeSpan ConnectRetry { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stopping role waits for its tasks to settle.</summary>
    public TimeSpan TaskDrain { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Five missed checks in a row: long enough that one slow read does not move the role.</summary>
    public TimeSpan StepDownAfter => MonitorPeriod * 5;

    /// <summary>Five periods without a new report: the host stopped writing (crashed, frozen, cut off).</summary>
    public TimeSpan ReportStaleAfter => MonitorPeriod * 5;

    /// <summary>The most lost tries that still double the election's wait.</summary>
    public const int MaxBackoffDoublings = 5;

    /// <summary>The jitter's bound, added to every election wait so that hosts of one priority do not contend in step.</summary>
    public static readonly TimeSpan ElectionJitter = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a host of <paramref name="priority"/> (0..10) waits before it contends, after
    /// <paramref name="failures"/> lost tries, with <paramref name="jitter"/> in [0, 1): 0.1 s at
    /// priority 10 to 2 s at 0, doubled per lost try (at most <see cref="MaxBackoffDoublings"/>),
    /// plus up to <see cref="ElectionJitter"/>.
    /// </summary>
    public static TimeSpan ElectionDelay(int priority, int failures, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 10);
        ArgumentOutOfRangeException.ThrowIfNegative(failures);
        double baseMs = 100 + ((10 - priority) * 190);
        return TimeSpan.FromMilliseconds((baseMs * (1 << Math.Min(failures, MaxBackoffDoublings))) + (ElectionJitter.TotalMilliseconds * Math.Clamp(jitter, 0, 1)));
    }
}
