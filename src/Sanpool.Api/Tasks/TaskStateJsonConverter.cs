using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sanpool.Api.Tasks;

/// <summary>A <see cref="TaskState"/> as the task area stores it and the API shows it: <c>queued</c>, <c>running</c>, ...</summary>
public sealed class TaskStateJsonConverter() : JsonStringEnumConverter<TaskState>(JsonNamingPolicy.SnakeCaseLower);
