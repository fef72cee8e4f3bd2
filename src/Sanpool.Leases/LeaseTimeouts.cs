namespace Sanpool.Leases;

/// <summary>
/// Every lease timeout, derived from io_timeout in this one place, with sanlock's formulas
/// (timeouts.h). The timeline of a host that stops renewing at time 0 (io_timeout 10):
/// <code>
///   0     last successful renewal
///   20    renewal due (IdRenewal = 2 io); attempts continue, each bounded by io_timeout
///   60    warn (IdRenewalWarn = 6 io)
///   80    renewal has failed (IdRenewalFail = 8 io): the lease daemon kills the holders;
///         with a watchdog, this is when it is armed to fire
///   140   other hosts treat the host as dead (HostDead = 8 io + 60, the watchdog's worst
///         case) and may take over its paxos leases
/// </code>
/// Fencing must finish between 80 and 140: holders get SIGTERM at IdRenewalFail and SIGKILL
/// after <see cref="KillGrace"/> (min(40 s, 4 io)), well before HostDead.
/// </summary>
public sealed record LeaseTimeouts(int IoTimeoutSeconds, int WatchdogFireTimeout = LeaseTimeouts.DefaultWatchdogFireTimeout)
{
    public const int DefaultIoTimeout = 10;

    /// <summary>
    /// How long after the renewal deadline the watchdog may fire (wdmd's 60 s). It is part of
    /// host_dead, so every host of a lockspace must use the same value; only tests lower it.
    /// </summary>
    public const int DefaultWatchdogFireTimeout = 60;

    public static readonly LeaseTimeouts Default = new(DefaultIoTimeout);

    public TimeSpan IoTimeout => TimeSpan.FromSeconds(IoTimeoutSeconds);

    /// <summary>Renew the host id this long after the last success.</summary>
    public TimeSpan IdRenewal => Seconds(2 * IoTimeoutSeconds);

    public TimeSpan IdRenewalWarn => Seconds(6 * IoTimeoutSeconds);

    /// <summary>Renewal has failed for good this long after the last success.</summary>
    public TimeSpan IdRenewalFail => Seconds(8 * IoTimeoutSeconds);

    /// <summary>Another host may consider this one dead this long after its last renewal.</summary>
    public TimeSpan HostDead => Seconds(HostDeadSeconds(IoTimeoutSeconds));

    /// <summary>The same derivations for another host, from the io_timeout its record carries (0: ours).</summary>
    public LeaseTimeouts ForOtherHost(int otherIoTimeout) => this with { IoTimeoutSeconds = otherIoTimeout == 0 ? IoTimeoutSeconds : otherIoTimeout };

    /// <summary>Wait after writing a delta lease, before checking nobody else wrote it.</summary>
    public TimeSpan DeltaShortDelay => Seconds(2 * IoTimeoutSeconds);

    /// <summary>Wait before taking a host id that someone else held.</summary>
    public TimeSpan DeltaLargeDelay => Seconds(Math.Max(HostDeadSeconds(IoTimeoutSeconds), (2 * IoTimeoutSeconds) + (6 * IoTimeoutSeconds)));

    /// <summary>Between SIGTERM and SIGKILL to a holder being fenced.</summary>
    public TimeSpan KillGrace => Seconds(Math.Max(1, Math.Min(40, 4 * IoTimeoutSeconds)));

    /// <summary>host_dead for another host, from the io_timeout its delta lease records.</summary>
    public int HostDeadSeconds(int ioTimeoutSeconds) => (8 * ioTimeoutSeconds) + WatchdogFireTimeout;

    public static int IdRenewalFailSeconds(int ioTimeoutSeconds) => 8 * ioTimeoutSeconds;

    private static TimeSpan Seconds(int s) => TimeSpan.FromSeconds(s);
}
