using Sanpool.Api.Tasks;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sanpool.Pool.Tasks;

/// <summary>
/// One persisted SPM task, as stored in a slot of the master area's task area (UTF-8 JSON in a
/// <see cref="Storage.Journal.SlotRecord"/>). Its rollback stack is the journal entry of the
/// operation it runs (<see cref="Storage.Journal.JournalEntry.Task"/> names the task), kept by
/// the domain's writer: the new SPM's journal recovery is the task's recovery.
/// </summary>
public sealed record TaskRecord
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required Guid Id { get; init; }

    /// <summary>The structural verb (image.create, snapshot.create, ...).</summary>
    public required string Verb { get; init; }

    public Dictionary<string, string> Args { get; init; } = [];

    public TaskState State { get; init; } = TaskState.Queued;

    /// <summary>
    /// While Queued: what it waits for ("image I of domain D, held by task T"), read live from
    /// the SPM's resource manager; the stored copy keeps what it waited for when submitted.
    /// </summary>
    public string? Waiting { get; init; }

    /// <summary>0 to 100.</summary>
    public double Progress { get; init; }

    /// <summary>What the verb returned (new volume ids, ...), once finished.</summary>
    public string? Result { get; init; }

    /// <summary>The error's name, code and message, once failed or recovered.</summary>
    public string? Error { get; init; }

    /// <summary>The stable code of the error that failed it (e.g. -712), its name (IMAGE_BUSY), and whether trying again may succeed.</summary>
    public int? ErrorCode { get; init; }

    public string? ErrorName { get; init; }

    public bool? Transient { get; init; }

    /// <summary>The host id of the SPM that ran it, and the SDM lease version it held.</summary>
    public int Host { get; init; }

    public long Lver { get; init; }

    /// <summary>Unix seconds.</summary>
    public long Created { get; init; }

    /// <summary>
    /// The order of submission in the pool: one more than the highest of the task area's tasks when
    /// it was first saved (<see cref="TaskStore.SaveAsync"/>), carried across SPMs with the area.
    /// <see cref="Created"/> is in whole seconds, too coarse to order tasks submitted together.
    /// 0 in a task saved before tasks were numbered.
    /// </summary>
    public long Seq { get; init; }

    public long Updated { get; init; }

    [JsonIgnore]
    public bool IsDone => State is TaskState.Finished or TaskState.Failed or TaskState.Recovered;

    /// <summary>The task as the API shows it.</summary>
    public TaskInfo ToInfo() => new()
    {
        Id = Id,
        Verb = Verb,
        Args = Args,
        State = State,
        Waiting = Waiting,
        Progress = Progress,
        Result = Result,
        Error = Error,
        ErrorCode = ErrorCode,
        ErrorName = ErrorName,
        Transient = Transient,
        Host = Host,
        Lver = Lver,
        Created = Created,
        Updated = Updated,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public string ToJsonText() => JsonSerializer.Serialize(this, Options);

    public static TaskRecord FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<TaskRecord>(json, Options) ?? throw new InvalidDataException("task record is JSON null");
}
