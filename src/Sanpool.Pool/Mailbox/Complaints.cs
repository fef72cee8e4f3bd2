namespace Sanpool.Pool.Mailbox;

/// <summary>
/// Rate limit for repeated log lines: one per key (a host id, a kind of error) per interval, so
/// a corrupted mailbox read every few milliseconds is logged once a minute, not flooded. It
/// counts every occurrence, logged or not.
/// </summary>
internal sealed class Complaints(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long LastLogged, long Count)> _seen = [];

    /// <summary>Counts one occurrence; true when it should be logged now.</summary>
    public bool Note(string key)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            if (_seen.TryGetValue(key, out var s) && time.GetElapsedTime(s.LastLogged, now) < interval)
            {
                _seen[key] = (s.LastLogged, s.Count + 1);
                return false;
            }

            _seen[key] = (now, (s.Count) + 1);
            return true;
        }
    }

    /// <summary>How many times <paramref name="key"/> occurred.</summary>
    public long Count(string key)
    {
        lock (_lock)
        {
            return _seen.TryGetValue(key, out var s) ? s.Count : 0;
        }
    }
}
