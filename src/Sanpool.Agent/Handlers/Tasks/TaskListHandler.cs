using Sanpool.Agent.Api;
using Sanpool.Api.Tasks;

namespace Sanpool.Agent.Handlers.Tasks;

/// <summary><c>task.list</c>: every task the pool keeps, from any host of the pool.</summary>
internal sealed class TaskListHandler(PoolConnection connection) : IVerbHandler<TaskListRequest, IReadOnlyList<TaskInfo>>
{
    public async Task<IReadOnlyList<TaskInfo>> HandleAsync(TaskListRequest request, CancellationToken cancellationToken) =>
        [.. (await PoolTasks.ReadAsync(connection, cancellationToken).ConfigureAwait(false)).Select(t => t.ToInfo())];
}
