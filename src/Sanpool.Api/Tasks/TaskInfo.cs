using System.Text.Json.Serialization;

namespace Sanpool.Api.Tasks;

/// <summary>
/// A task of the pool as <c>task.status</c>, <c>task.list</c> and every structural verb show
/// it: the verb and the arguments it was asked with, where it is, and how it ended. A failed
/// task keeps its error's stable code, name and transience, so a client can decide whether to
/// try again without reading the message.
/// </summary>
public sealed record TaskInfo
{
    public required Guid Id { get; init; }

    public required string Verb { get; init; }

    /// <summary>The request's arguments as the wire carries them (<see cref="ApiJson.Arguments{T}"/>), without wait and forward.</summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>();

    [JsonConverter(typeof(TaskStateJsonConverter))]
    public TaskState State { get; init; }

    /// <summary>While queued: what it waits for, e.g. "image I of domain D, held by task T (snapshot.create)".</summary>
    public string? Waiting { get; init; }

    /// <summary>0 to 100.</summary>
    public double Progress { get; init; }

    public string? Result { get; init; }

    public string? Error { get; init; }

    public int? ErrorCode { get; init; }

    public string? ErrorName { get; init; }

    public bool? Transient { get; init; }

    /// <summary>The SPM that ran it, and the SPM lease version it held.</summary>
    public int Host { get; init; }

    public long Lver { get; init; }

    /// <summary>Unix seconds.</summary>
    public long Created { get; init; }

    public long Updated { get; init; }

    [JsonIgnore]
    public bool IsDone => State is TaskState.Finished or TaskState.Failed or TaskState.Recovered;
}
