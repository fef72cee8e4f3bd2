using System.Collections.Concurrent;

namespace Sanpool.Bench;

/// <summary>
/// When the SPM's handler was entered and left for each host's request (Stopwatch timestamps),
/// taken by the host once its reply is read. One request per host is outstanding at a time in
/// the split series, so the host id is the key.
/// </summary>
internal sealed class HandlerStamps
{
    private readonly ConcurrentDictionary<int, (long Entered, long Done)> _stamps = new();

    public void Record(int hostId, long entered, long done) => _stamps[hostId] = (entered, done);

    /// <summary>The stamps of <paramref name="hostId"/>'s request, removed; the handler must have run.</summary>
    public (long Entered, long Done) Take(int hostId) =>
        _stamps.TryRemove(hostId, out var stamps) ? stamps : throw new InvalidOperationException($"host {hostId}'s request was answered without the handler running");
}
