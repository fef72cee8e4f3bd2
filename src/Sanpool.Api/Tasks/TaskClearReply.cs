namespace Sanpool.Api.Tasks;

/// <summary><c>task.clear</c>: the task that was cleared.</summary>
public sealed record TaskClearReply(Guid Cleared);
