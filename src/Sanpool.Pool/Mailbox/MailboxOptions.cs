namespace Sanpool.Pool.Mailbox;

/// <summary>
/// The mailbox's timings. Latency comes from adaptive polling, not a fixed period: right after
/// activity each side polls every ~1 ms and backs off geometrically to a cap, so an idle
/// mailbox costs one 4 KiB read per <see cref="ServerIdlePoll"/> (SPM) and nothing on a host
/// with nothing outstanding. VDSM's periodic full scan (2 s) stays as the safety net for a lost
/// event block write.
///
/// <code>
///  host:  write request, event --1ms--1.2ms--1.4ms--...--100ms--100ms-- (until the reply)
///  SPM:   read event --1ms--1.5ms--...--20ms--20ms-- ... full scan every 2 s regardless
///         a changed event or Wake(): scan at once, polling restarts at 1 ms
/// </code>
/// </summary>
public sealed record MailboxOptions
{
    /// <summary>The highest host id the SPM reads (VDSM's default and sanlock's: 250).</summary>
    public int MaxHostId { get; init; } = Sanpool.Storage.Mailbox.MailboxLayout.VdsmMaxHostId;

    /// <summary>A host re-sends a failed or unanswered request (into another slot) this often.</summary>
    public TimeSpan ResendInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A host's first poll of its outbox mailbox after sending.</summary>
    public TimeSpan ClientFirstPoll { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest a host waits between polls while something is outstanding.</summary>
    public TimeSpan ClientMaxPoll { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The SPM's first poll of the event block after activity.</summary>
    public TimeSpan ServerFirstPoll { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The SPM's event-block poll once idle.</summary>
    public TimeSpan ServerIdlePoll { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Each quiet poll of the SPM waits this much longer than the one before, up to <see cref="ServerIdlePoll"/>.</summary>
    public double ServerPollGrowth { get; init; } = 1.5;

    /// <summary>
    /// Each quiet poll of a host waits this much longer than the one before, up to
    /// <see cref="ClientMaxPoll"/>. Slower growth than the SPM's: a host polls only while it
    /// waits, and a reply a few ms away should be seen within about a fifth of its delay.
    /// </summary>
    public double ClientPollGrowth { get; init; } = 1.2;

    /// <summary>VDSM's monitor interval: the SPM reads every mailbox at least this often.</summary>
    public TimeSpan FullScanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Requests the SPM hands to its handler at once (across all hosts).</summary>
    public int MaxConcurrentHandlers { get; init; } = 32;

    /// <summary>A repeated complaint (a host's bad checksum, an I/O error) is logged at most this often.</summary>
    public TimeSpan ComplaintInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The next poll period after <paramref name="current"/>, growing towards <paramref name="cap"/>.</summary>
    internal static TimeSpan Next(TimeSpan current, TimeSpan cap, double growth) =>
        TimeSpan.FromTicks(Math.Min(cap.Ticks, Math.Max(current.Ticks + 1, (long)(current.Ticks * growth))));
}
