namespace Sanpool.Core.Logging;

/// <summary>
/// Lets one log line per key through per period and counts the rest, so that a failing export,
/// a corrupted mailbox read every few milliseconds or a VM stuck without space is logged once a
/// period, not flooded. The key says what repeats: a host, a drive, a volume, a kind of error.
/// <para>
/// Two counts come back, for the two ways Sanpool's messages report repeats: how many were
/// held back since the last line let through (<c>ShouldLog(key, out suppressed)</c>, "N similar
/// suppressed") and how many occurred in all (<see cref="Occurrences"/>, "N time(s) so far";
/// also a statistic callers expose). Time is the monotonic clock of the
/// <see cref="TimeProvider"/>, so a wall-clock step neither silences nor floods the log.
/// </para>
/// Thread-safe; the calls come only on failures, so one lock is cheap enough.
/// </summary>
public sealed class LogThrottle
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;

    /// <param name="period">At most one line per key per this; zero lets every line through (and still counts).</param>
    public LogThrottle(TimeProvider time, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        _time = time;
        _period = period;
    }

    /// <summary>
    /// Counts one occurrence of <paramref name="key"/>; true when it may be logged now.
    /// <paramref name="suppressed"/> says how many were held back since the last line let through
    /// (0 when this one is held back too).
    /// </summary>
    public bool ShouldLog(string key, out int suppressed)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                _entries[key] = new Entry { LastLogged = now, Occurrences = 1 };
                suppressed = 0;
                return true;
            }

            entry.Occurrences++;
            if (_time.GetElapsedTime(entry.LastLogged, now) < _period)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LastLogged = now;
            return true;
        }
    }

    /// <summary>Counts one occurrence of <paramref name="key"/>; true when it may be logged now.</summary>
    public bool ShouldLog(string key) => ShouldLog(key, out _);

    /// <summary>How many times <paramref name="key"/> occurred, logged or not, since the throttle was made or the key forgotten.</summary>
    public long Occurrences(string key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) ? entry.Occurrences : 0;
        }
    }

    /// <summary>
    /// Drops <paramref name="key"/> (a volume no longer monitored), so a long-lived throttle does
    /// not keep one entry per thing it ever saw; its next occurrence is logged at once.
    /// </summary>
    public void Forget(string key)
    {
        lock (_lock)
        {
            _entries.Remove(key);
        }
    }

    private sealed class Entry
    {
        public long LastLogged;
        public int Suppressed;
        public long Occurrences;
    }
}
