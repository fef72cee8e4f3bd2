using Microsoft.Extensions.Logging;

namespace Sanpool.Pool.Spm;

/// <summary>
/// Who decides the SPM on this host, and the priority its election contends with now. A host
/// that runs its own election (<c>"election": true</c>) contends with its configured priority.
/// A host a manager runs (<c>"election": false</c>) leaves the choice to the manager: priority -1
/// (never contend) for as long as the manager keeps calling; once it has been silent for
/// <see cref="Grace"/> (the engine down, or cut off), the host falls back to the election with
/// its configured priority, so that a pool whose SPM dies while the engine is away still gets
/// one. A call from the manager ends the fallback at once; an SPM elected meanwhile keeps the
/// role (the election never stops an SPM), and the manager adopts it.
/// <code>
///  t=0            the manager's last call (or this agent's start)
///  t=0..grace     priority -1: only the manager's spm.start makes this host SPM
///  t=grace        fallback: the election contends with spm_priority when no live SPM is left
///                 (and never sooner than the SDM lease allows: host_dead after the SPM's last renewal)
///  next call      priority -1 again
/// </code>
/// The clock is <see cref="TimeProvider"/>'s monotonic timestamp.
/// </summary>
public sealed partial class ManagerContact
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _last;
    private int _fallback;

    /// <param name="managed">Whether a manager decides the SPM (the agent's election is off).</param>
    /// <param name="priority">The configured priority: -1 never, 0-10.</param>
    /// <param name="grace">How long the manager may be silent before this host elects by itself.</param>
    public ManagerContact(bool managed, int priority, TimeSpan grace, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(priority, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(grace, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        Managed = managed;
        ConfiguredPriority = priority;
        Grace = grace;
        _time = time;
        _logger = logger;
        _last = time.GetTimestamp();
    }

    public bool Managed { get; }

    public int ConfiguredPriority { get; }

    public TimeSpan Grace { get; }

    /// <summary>How long since the manager last called (or since this agent started).</summary>
    public TimeSpan Silence => _time.GetElapsedTime(Interlocked.Read(ref _last));

    /// <summary>Whether this host elects by itself now: not managed, or the manager silent for <see cref="Grace"/>.</summary>
    public bool ElectsItself => !Managed || Silence >= Grace;

    /// <summary>The manager called: it decides again.</summary>
    public void Touch()
    {
        Interlocked.Exchange(ref _last, _time.GetTimestamp());
        if (Managed && Interlocked.Exchange(ref _fallback, 0) == 1)
        {
            LogManagerBack(_logger, ConfiguredPriority);
        }
    }

    /// <summary>The priority the election contends with now: the configured one, or -1 while a manager decides.</summary>
    public int Priority()
    {
        if (!Managed)
        {
            return ConfiguredPriority;
        }

        var silence = Silence;
        if (silence < Grace)
        {
            return -1;
        }

        if (Interlocked.Exchange(ref _fallback, 1) == 0)
        {
            LogFallback(_logger, silence.TotalSeconds, Grace.TotalSeconds, ConfiguredPriority);
        }

        return ConfiguredPriority;
    }

    [LoggerMessage(EventId = 733, Level = LogLevel.Warning,
        Message = "no call from the manager for {Silence:0} s (grace {Grace:0} s): this host takes part in the SPM election by itself, priority {Priority}")]
    private static partial void LogFallback(ILogger logger, double silence, double grace, int priority);

    [LoggerMessage(EventId = 734, Level = LogLevel.Information,
        Message = "the manager called again: it decides the SPM; this host's election stands back (priority {Priority} kept for the manager's choice)")]
    private static partial void LogManagerBack(ILogger logger, int priority);
}
