using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sanpool.Storage.Journal;

/// <summary>
/// What a structural change wrote before it touched anything: which operation, on what, how
/// far it got (<see cref="Phase"/>) and, newest last, the steps that undo what it has done so
/// far (<see cref="Undo"/>). Recovery either runs the undo steps newest first (roll back), or,
/// once an operation has passed its point of no return (<see cref="Forward"/>), finishes it.
/// </summary>
public sealed record JournalEntry
{
    public required Guid Id { get; init; }

    /// <summary>create, snapshot, delete, merge, copy, template.</summary>
    public required string Operation { get; init; }

    public required Guid Domain { get; init; }

    public Guid Image { get; init; }

    public string Host { get; init; } = "";

    /// <summary>The pool task this operation runs for, if it runs as one (<see cref="Operations.TaskScope"/>).</summary>
    public Guid? Task { get; init; }

    public long Started { get; init; }

    /// <summary>The step the operation is at (operation-specific names).</summary>
    public string Phase { get; init; } = "started";

    /// <summary>Past the point of no return: recovery finishes the operation instead of undoing it.</summary>
    public bool Forward { get; init; }

    /// <summary>Operation arguments recovery needs (volume ids, formats), as strings.</summary>
    public Dictionary<string, string> Args { get; init; } = [];

    /// <summary>Undo steps, oldest first; recovery runs them newest first.</summary>
    public List<UndoStep> Undo { get; init; } = [];

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public static JournalEntry FromJson(byte[] json) =>
        JsonSerializer.Deserialize<JournalEntry>(json, Options) ?? throw new InvalidDataException("empty journal entry");

    public string Arg(string key) =>
        Args.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"journal entry {Id} ({Operation}) has no '{key}'");

    public Guid GuidArg(string key) => Guid.Parse(Arg(key));

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };
}
