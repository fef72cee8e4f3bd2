namespace Sanpool.Api.Tasks;

/// <summary><c>task.list</c>: every task the pool keeps.</summary>
public sealed record TaskListRequest;
