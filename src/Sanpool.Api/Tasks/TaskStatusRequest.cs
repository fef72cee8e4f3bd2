namespace Sanpool.Api.Tasks;

/// <summary><c>task.status</c>: one task of the pool, by id.</summary>
public sealed record TaskStatusRequest(Guid Task);
