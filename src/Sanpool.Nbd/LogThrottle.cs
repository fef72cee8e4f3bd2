using System.Collections.Concurrent;

namespace Sanpool.Nbd;

/// <summary>
/// Lets one message per key through per period and counts the rest, so that a failing export
/// or a client stuck in a loop of bad requests cannot flood the log. The count of suppressed
/// messages goes out with the next one let through.
/// </summary>
internal sealed class LogThrottle(TimeProvider time, TimeSpan period)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when a message for <paramref name="key"/> may be logged now; <paramref name="suppressed"/> says how many were held back since the last.</summary>
    public bool ShouldLog(string key, out int suppressed)
    {
        long now = time.GetTimestamp();
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            if (entry.Logged && time.GetElapsedTime(entry.LastTimestamp, now) < period)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.Logged = true;
            entry.LastTimestamp = now;
            return true;
        }
    }

    private sealed class Entry
    {
        public bool Logged;
        public long LastTimestamp;
        public int Suppressed;
    }
}
