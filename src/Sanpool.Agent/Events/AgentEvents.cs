using System.Text.Json.Nodes;

namespace Sanpool.Agent.Events;

/// <summary>
/// What happened on this host that a manager must hear about without asking for each thing:
/// a VM paused for lack of space, an extension the SPM could not make, a VM resumed. Each
/// event gets a sequence number; a client polls the <c>events</c> verb with the last number it
/// saw (<c>since=N</c>) and gets what came after, oldest first. Only the newest
/// <see cref="Capacity"/> are kept: a client that fell further behind sees a gap in the numbers.
/// </summary>
public sealed class AgentEvents
{
    public const int Capacity = 1024;

    private readonly Queue<JsonObject> _events = new();
    private readonly TimeProvider _time;
    private long _sequence;

    public AgentEvents(TimeProvider time) => _time = time;

    /// <summary>The number of the newest event (0 before any).</summary>
    public long Last
    {
        get
        {
            lock (_events)
            {
                return _sequence;
            }
        }
    }

    /// <summary>Records an event of <paramref name="kind"/> (e.g. "vm.paused") with its fields.</summary>
    public long Publish(string kind, IReadOnlyDictionary<string, JsonNode?> fields)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(fields);
        lock (_events)
        {
            var e = new JsonObject
            {
                ["seq"] = ++_sequence,
                ["time"] = _time.GetUtcNow().ToString("O"),
                ["kind"] = kind,
            };
            foreach (var (name, value) in fields)
            {
                e[name] = value?.DeepClone();
            }

            _events.Enqueue(e);
            while (_events.Count > Capacity)
            {
                _events.Dequeue();
            }

            return _sequence;
        }
    }

    /// <summary>The events after number <paramref name="since"/>, oldest first (copies).</summary>
    public JsonArray Since(long since)
    {
        lock (_events)
        {
            return new JsonArray([.. _events.Where(e => (long)e["seq"]! > since).Select(e => e.DeepClone())]);
        }
    }
}
