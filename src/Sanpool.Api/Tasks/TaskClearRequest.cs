namespace Sanpool.Api.Tasks;

/// <summary><c>task.clear</c>: forget a task that is done (SPM only).</summary>
public sealed record TaskClearRequest(Guid Task);
